"""A stdlib stand-in for an OpenAI-compatible chat-completions server on 127.0.0.1, with scripted replies.

`POST <base>/v1/chat/completions` answers from a script: a queue of `Reply`s consumed in order, then
the `default` function (request body -> Reply); by default `echo_tasks`, which designs one valid task
from the last `Field names: [...]` line of the prompt. Replies can be a JSON dict, JSON in prose, a Python
literal, a truncated text (finish_reason `length`), a 429 with Retry-After, a 5xx, a 400, or slow; or
hostile: a raw 200 body of any bytes (`raw_reply`: not UTF-8, not JSON, JSON of another shape), or a body
whose connection closes before its Content-Length (`cut_reply`).
Every reply carries a `usage` block; `prompt_tokens_details.cached_tokens` is given by the reply or
simulated (the shared prefix with the previous prompt, in 128-token steps, for prompts of 1,024+
tokens, as OpenAI caches). The server counts requests, keeps their bodies, arrival times
(`time.monotonic()`, in `request_times`) and the Authorization headers it saw (and all their headers,
in `request_headers`), and tracks the most requests it held at once.

Usage::

    with serve_openai([rate_limited(0.1), json_reply(tasks)]) as server:
        client = openai.AsyncOpenAI(api_key="k", base_url=server.base_url, max_retries=0)
        ...
        server.request_count, server.authorizations, server.max_in_flight

`GET <base>/stats` answers `{"request_count", "in_flight", "max_in_flight", "connections"}` (the
connections that carried chat requests); `GET <base>/stats?reset=1` answers the same, then zeroes the
request log, the in-flight peak and the connection count. From a shell, as a separate process (so that
a benchmark's client does not share a GIL with the server)::

    python tests/servers/openai_server.py --delay 0.2 [--port 0] [--stop-on-eof]

prints its base URL (`http://127.0.0.1:<port>/v1`) on stdout, then serves the default replies until
it is terminated (or, with `--stop-on-eof`, until its stdin closes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

if __package__:
    from .loopback import HOST, JSONRequestHandler, LoopbackHTTPServer, running, serve_until_stopped
else:  # imported with tests/servers on sys.path, or run as a script
    from loopback import HOST, JSONRequestHandler, LoopbackHTTPServer, running, serve_until_stopped

CHARS_PER_TOKEN = 4
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
_FIELD_NAMES = re.compile(r"Field names: (\[.*?\])\n")


@dataclass
class Reply:
    """One scripted answer. Token counts default to ~4 characters per token."""

    content: str = ""
    status: int = 200
    finish_reason: str = "stop"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    error_body: dict | None = None
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    completion_tokens: int | None = None
    raw_body: bytes | None = None  # sent verbatim as the body instead of a completion built from `content`
    cut_share: float | None = None  # close the connection after this share of the body (Content-Length whole)


def json_reply(tasks: object, **options: object) -> Reply:
    return Reply(json.dumps(tasks), **options)


def prose_reply(tasks: object, **options: object) -> Reply:
    text = f"Here are three tasks for this dataset:\n```json\n{json.dumps(tasks, indent=2)}\n```\nHope this helps!"
    return Reply(text, **options)


def literal_reply(tasks: object, **options: object) -> Reply:
    return Reply(repr(tasks), **options)


def truncated_reply(tasks: object, keep: float = 0.6, **options: object) -> Reply:
    text = json.dumps(tasks)
    return Reply(text[: int(len(text) * keep)], finish_reason="length", **options)


def error_reply(status: int, message: str, **options: object) -> Reply:
    body = {"error": {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error",
                      "param": None, "code": None}}
    return Reply(status=status, error_body=body, **options)


def rate_limited(retry_after_s: float = 0.05) -> Reply:
    return error_reply(429, "Rate limit reached for requests", headers={"retry-after": f"{retry_after_s:g}"})


def server_error(status: int = 500) -> Reply:
    return error_reply(status, "The server had an error while processing your request.")


def raw_reply(body: bytes, **options: object) -> Reply:
    return Reply(raw_body=body, **options)


def cut_reply(reply: Reply, keep: float = 0.5) -> Reply:
    """`reply` whose connection closes after `keep` of its body, mid-object."""
    reply.cut_share = keep
    return reply


def slow_reply(delay_s: float, reply: Reply | None = None) -> Reply:
    reply = reply or Reply(json.dumps(DEFAULT_TASKS))
    reply.delay_s = delay_s
    return reply


DEFAULT_TASKS = {"task1": {"instruction": "Copy the text.", "input_fields": ["text"], "output_field": ["label"]}}


def echo_tasks(body: dict) -> Reply:
    """A valid one-task reply built from the last `Field names` line of the prompt (the dataset's; the
    demonstration turns before it have their own): first field in, last field out."""
    found = _FIELD_NAMES.findall(_prompt_text(body) + "\n")
    names = json.loads(found[-1]) if found else []
    if len(names) < 2:
        return json_reply(DEFAULT_TASKS)
    task = {"instruction": f"Given the {names[0]}, write the {names[-1]}.", "input_fields": [names[0]],
            "output_field": [names[-1]]}
    return json_reply({"task1": task})


class OpenAIServer:
    """The scripted server's state; the HTTP server itself runs in a background thread."""

    def __init__(self, script: Iterable[Reply] = (), default: Callable[[dict], Reply] = echo_tasks,
                 delay_s: float = 0.0, port: int = 0) -> None:
        self.queue: deque[Reply] = deque(script)
        self.default = default
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self.request_times: list[float] = []
        self.authorizations: list[str] = []
        self.request_headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.previous_prompt = ""
        self.httpd = LoopbackHTTPServer((HOST, port), _handler_for(self))
        self.base_url = f"{self.httpd.url}/v1"

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def next_reply(self, body: dict, authorization: str) -> tuple[Reply, int]:
        """Record the request and pick its reply; also returns the simulated cached tokens."""
        with self.lock:
            self.requests.append(body)
            self.request_times.append(time.monotonic())
            self.authorizations.append(authorization)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            reply = self.queue.popleft() if self.queue else None
            prompt = _prompt_text(body)
            cached = _simulated_cache(prompt, self.previous_prompt)
            self.previous_prompt = prompt
        return reply or self.default(body), cached

    def finished(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def stats(self, reset: bool = False) -> dict:
        """Request, in-flight and connection counts; `reset` then clears the request log (bodies,
        arrival times, authorizations, headers), the in-flight peak and the connection count."""
        with self.lock:
            stats = {"request_count": len(self.requests), "in_flight": self.in_flight,
                     "max_in_flight": self.max_in_flight, "connections": self.connections}
            if reset:
                self.requests.clear()
                self.request_times.clear()
                self.authorizations.clear()
                self.request_headers.clear()
                self.max_in_flight = self.in_flight
                self.connections = 0
        return stats


@contextmanager
def serve_openai(script: Iterable[Reply] = (), default: Callable[[dict], Reply] = echo_tasks,
                 delay_s: float = 0.0) -> Iterator[OpenAIServer]:
    """Run a scripted server on a free port of 127.0.0.1 for the duration of the block."""
    server = OpenAIServer(script, default, delay_s)
    with running(server.httpd):
        yield server


def _handler_for(server: OpenAIServer) -> type[JSONRequestHandler]:
    class Handler(JSONRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.read_json()
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self.send_json({"error": {"message": f"no route {self.path}"}}, 404)
                return
            with server.lock:
                server.request_headers.append(dict(self.headers))
                if not getattr(self, "counted", False):  # the connection's first chat request (keep-alive)
                    self.counted = True
                    server.connections += 1
            reply, cached = server.next_reply(body, self.headers.get("Authorization", ""))
            try:
                time.sleep(reply.delay_s + server.delay_s)
                payload = _completion(body, reply, cached) if reply.status == 200 else reply.error_body or {}
                data = reply.raw_body if reply.raw_body is not None else json.dumps(payload).encode("utf-8")
                kept = len(data) if reply.cut_share is None else int(len(data) * reply.cut_share)
                self.send_body(reply.status, data[:kept], headers=reply.headers, length=len(data))
                self.close_connection = self.close_connection or kept < len(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                server.finished()

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path, _, query = self.path.partition("?")
            if not path.rstrip("/").endswith("/stats"):
                self.send_json({"error": {"message": f"no route {self.path}"}}, 404)
                return
            self.send_json(server.stats(reset="reset=1" in query.split("&")))

    return Handler


def _completion(body: dict, reply: Reply, cached: int) -> dict:
    prompt_tokens = reply.prompt_tokens or max(1, len(json.dumps(body.get("messages", []))) // CHARS_PER_TOKEN)
    completion_tokens = reply.completion_tokens or max(1, len(reply.content) // CHARS_PER_TOKEN)
    cached_tokens = reply.cached_tokens if reply.cached_tokens is not None else min(cached, prompt_tokens)
    return {
        "id": f"chatcmpl-{os.urandom(6).hex()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "unknown"),
        "choices": [{"index": 0, "finish_reason": reply.finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": reply.content, "refusal": None}}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
    }


def _prompt_text(body: dict) -> str:
    parts = []
    for message in body.get("messages", []):
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"text": content or ""}]
        parts += [block.get("text", "") for block in blocks if isinstance(block, dict)]
    return "\n".join(parts)


def _simulated_cache(prompt: str, previous: str) -> int:
    """Cached prompt tokens as OpenAI reports them: a shared prefix, in 128-token steps, from 1,024 tokens."""
    shared = len(os.path.commonprefix([prompt, previous])) // CHARS_PER_TOKEN
    return shared // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS if shared >= CACHE_MIN_TOKENS else 0


def main(argv: list[str] | None = None) -> None:
    """Serve the default replies in this process: print the base URL, then serve until SIGTERM or
    Ctrl-C (or, with `--stop-on-eof`, until stdin closes: a parent process that dies takes it along)."""
    parser = argparse.ArgumentParser(description="A scripted OpenAI-compatible server on 127.0.0.1.")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every reply")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--stop-on-eof", action="store_true", help="stop when stdin closes")
    args = parser.parse_args(argv)
    server = OpenAIServer(delay_s=args.delay, port=args.port)
    serve_until_stopped(server.httpd, server.base_url, args.stop_on_eof)


if __name__ == "__main__":
    main()
