"""Plumbing shared by the loopback test servers: a threaded HTTP server on 127.0.0.1 (port 0 picks a
free one), run in a background thread for a `with` block or in the foreground for a CLI, and a quiet
HTTP/1.1 request handler that reads and writes JSON.

    httpd = LoopbackHTTPServer((HOST, 0), MyHandler)   # MyHandler subclasses JSONRequestHandler
    with running(httpd):
        ...                                            # httpd.url == "http://127.0.0.1:<port>"
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

HOST = "127.0.0.1"
POLL_INTERVAL_S = 0.05
JOIN_TIMEOUT_S = 5.0


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer with daemon handler threads and a deep accept queue; `quiet` (the
    default) keeps its handlers' access log off."""

    daemon_threads = True
    request_queue_size = 128
    quiet = True

    @property
    def url(self) -> str:
        """`http://<host>:<port>` of the bound socket."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


Server = TypeVar("Server", bound=LoopbackHTTPServer)


def start_in_thread(httpd: LoopbackHTTPServer) -> threading.Thread:
    """Serve `httpd` in a daemon thread and return the thread."""
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": POLL_INTERVAL_S}, daemon=True)
    thread.start()
    return thread


def stop(httpd: LoopbackHTTPServer, thread: threading.Thread) -> None:
    """Stop serving, close the socket and wait for the serving thread."""
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=JOIN_TIMEOUT_S)


@contextmanager
def running(httpd: Server) -> Iterator[Server]:
    """Serve `httpd` in a background thread for the duration of the block."""
    thread = start_in_thread(httpd)
    try:
        yield httpd
    finally:
        stop(httpd, thread)


def serve_until_stopped(httpd: LoopbackHTTPServer, banner: str, stop_on_eof: bool = False) -> None:
    """A CLI's foreground loop: serve, print `banner` on stdout, then wait for SIGTERM or Ctrl-C (or, with
    `stop_on_eof`, for stdin to close, so that a parent process that dies takes the server along)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    thread = start_in_thread(httpd)
    print(banner, flush=True)
    try:
        if stop_on_eof:
            sys.stdin.read()
        else:
            thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        stop(httpd, thread)


class JSONRequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive without Nagle delays, JSON bodies in and out, no access log unless the
    server is not `quiet`. Subclasses may set the JSON content type and headers sent on every reply."""

    server: LoopbackHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    json_content_type = "application/json"
    common_headers: dict[str, str] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        if not self.server.quiet:
            super().log_message(format, *args)

    def read_body(self) -> bytes:
        """The request body (`Content-Length` bytes; none without the header)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def read_json(self) -> Any:
        """The request body parsed as JSON; an empty body reads as `{}`."""
        return json.loads(self.read_body() or b"{}")

    def send_body(self, status: int, body: bytes = b"", *, content_type: str | None = None,
                  headers: dict[str, str] | None = None, head: bool = False, length: int | None = None) -> None:
        """Status, content type, length, the common headers, then `headers`; the body unless `head`."""
        self.send_response(status)
        self.send_header("Content-Type", content_type or self.json_content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in {**self.common_headers, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def send_json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None,
                  head: bool = False) -> None:
        """`payload` as a JSON reply."""
        self.send_body(status, json.dumps(payload).encode("utf-8"), headers=headers, head=head)
