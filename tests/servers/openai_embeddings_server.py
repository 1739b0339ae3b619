"""A stdlib stand-in for OpenAI's `POST /v1/embeddings` on 127.0.0.1, with deterministic vectors.

Each input text gets `vector_for(text, dimensions)`: values in [-2, 2] drawn from sha256 of the text,
deliberately *not* unit-norm so the client's normalisation is tested. Both `encoding_format`s are
answered (`float`, and `base64` of little-endian float32, which the openai client asks for by default).
The `data` list is returned in reverse order (each item keeps its `index`), as the API allows.
The server keeps the request bodies and Authorization headers it saw; `reject_with` makes every
request fail with that status and an error message that quotes the bearer token, like a real 401.

Usage::

    with serve_embeddings() as server:
        client = openai.OpenAI(api_key="k", base_url=server.base_url)
        server.requests, server.authorizations
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

if __package__:
    from .loopback import HOST, JSONRequestHandler, LoopbackHTTPServer, running
else:  # imported with tests/servers on sys.path
    from loopback import HOST, JSONRequestHandler, LoopbackHTTPServer, running

DEFAULT_DIMENSIONS = 1536


def vector_for(text: str, dimensions: int) -> list[float]:
    """The server's deterministic vector for a text: values in [-2, 2] from sha256 of the text."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode("utf-8")).digest()
        values += [byte / 63.75 - 2.0 for byte in digest]
        counter += 1
    return values[:dimensions]


class EmbeddingsServer:
    """The server's state; the HTTP server itself runs in a background thread."""

    def __init__(self, reject_with: int | None = None) -> None:
        self.reject_with = reject_with
        self.requests: list[dict] = []
        self.authorizations: list[str] = []
        self.lock = threading.Lock()
        self.httpd = LoopbackHTTPServer((HOST, 0), _handler_for(self))
        self.base_url = f"{self.httpd.url}/v1"

    def record(self, body: dict, authorization: str) -> None:
        with self.lock:
            self.requests.append(body)
            self.authorizations.append(authorization)


@contextmanager
def serve_embeddings(reject_with: int | None = None) -> Iterator[EmbeddingsServer]:
    """Run the embeddings server on a free port of 127.0.0.1 for the duration of the block."""
    server = EmbeddingsServer(reject_with)
    with running(server.httpd):
        yield server


def embeddings_response(body: dict) -> dict:
    """The JSON answer to an embeddings request body."""
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    dimensions = int(body.get("dimensions") or DEFAULT_DIMENSIONS)
    as_base64 = body.get("encoding_format") == "base64"
    data = [{"object": "embedding", "index": i, "embedding": _encode(vector_for(text, dimensions), as_base64)}
            for i, text in enumerate(texts)]
    tokens = sum(max(1, len(text) // 4) for text in texts)
    return {"object": "list", "data": data[::-1], "model": body.get("model", "unknown"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _encode(vector: list[float], as_base64: bool) -> list[float] | str:
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _handler_for(server: EmbeddingsServer) -> type[JSONRequestHandler]:
    class Handler(JSONRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.read_json()
            if not self.path.rstrip("/").endswith("/embeddings"):
                self.send_json({"error": {"message": f"no route {self.path}"}}, 404)
                return
            authorization = self.headers.get("Authorization", "")
            server.record(body, authorization)
            if server.reject_with is not None:
                token = authorization.removeprefix("Bearer ")
                self.send_json({"error": {
                    "message": f"Incorrect API key provided: {token}.", "type": "invalid_request_error",
                    "param": None, "code": "invalid_api_key"}}, server.reject_with)
                return
            self.send_json(embeddings_response(body))

    return Handler
