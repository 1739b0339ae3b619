"""The loopback OpenAI server (openai_server.py) with the Batch API: `/v1/files` (multipart upload,
retrieve, `/content` download) and `/v1/batches` (create, retrieve, list with `after`/`limit`, cancel),
output and error files in OpenAI's line format. Each line of a batch is answered by the chat server's
script (`next_reply`: queue, then default), so a batch and a synchronous run of the same prompts get the
same replies and usage.

A batch's outcome is scripted by the queue `outcomes` (then `default_outcome`):
- `complete`: every line answered;
- `expire_half`: the first half answered, the rest in the error file as `batch_expired`, status expired;
- `fail_lines`: every `fail_every`-th line answered with a 500 in the error file;
- `failed`: status failed, no output at all (every line missing).
With `hold=True` batches stay `in_progress` until `release()`. `create_delay_s` holds the answer to a
`batches.create` after the batch exists (a client killed then has paid for a batch it never heard of).

    with serve_batches(outcomes=["expire_half"]) as server:
        client = openai.OpenAI(api_key="k", base_url=server.base_url)
        ...
        server.uploads, server.batches_created, server.batches
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

if __package__:
    from .loopback import running
    from .openai_server import OpenAIServer, Reply, _completion, _handler_for
else:
    from loopback import running
    from openai_server import OpenAIServer, Reply, _completion, _handler_for

OUTCOMES = ("complete", "expire_half", "fail_lines", "failed")


class BatchServer(OpenAIServer):
    """The chat server's state plus files and batches."""

    def __init__(self, outcomes: Iterable[str] = (), default_outcome: str = "complete", hold: bool = False,
                 fail_every: int = 3, create_delay_s: float = 0.0, **options) -> None:
        super().__init__(**options)
        self.outcomes = deque(outcomes)
        self.default_outcome = default_outcome
        self.hold, self.fail_every, self.create_delay_s = hold, fail_every, create_delay_s
        self.files: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.uploads = 0
        self.batches_created = 0
        self.batch_lock = threading.RLock()
        self.httpd.RequestHandlerClass = _batch_handler_for(self)

    def upload(self, data: bytes, filename: str, purpose: str) -> dict:
        with self.batch_lock:
            self.uploads += purpose == "batch"
            return self._store_file(data, filename, purpose)

    def _store_file(self, data: bytes, filename: str, purpose: str) -> dict:
        file_id = f"file-{os.urandom(8).hex()}"
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                               "filename": filename, "purpose": purpose, "status": "processed", "data": data}
        return _public(self.files[file_id])

    def create_batch(self, body: dict) -> dict:
        with self.batch_lock:
            if body.get("input_file_id") not in self.files:
                return {"error": {"message": f"no file {body.get('input_file_id')}"}}
            outcome = self.outcomes.popleft() if self.outcomes else self.default_outcome
            batch_id = f"batch_{os.urandom(8).hex()}"
            now = int(time.time())
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                "status": "in_progress", "output_file_id": None, "error_file_id": None, "created_at": now,
                "in_progress_at": now, "expires_at": now + 86400, "completed_at": None, "expired_at": None,
                "failed_at": None, "cancelled_at": None, "cancelling_at": None, "finalizing_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": body.get("metadata"),
                "_outcome": outcome,
            }
            self.batches_created += 1
            if not self.hold:
                self._run(self.batches[batch_id])
            return _public(self.batches[batch_id])

    def release(self) -> None:
        """Run every batch still in progress."""
        with self.batch_lock:
            for batch in self.batches.values():
                if batch["status"] == "in_progress":
                    self._run(batch)

    def _run(self, batch: dict) -> None:
        """Answer the batch's lines as its outcome says; write the output and error files."""
        lines = [json.loads(line) for line in self.files[batch["input_file_id"]]["data"].splitlines() if line.strip()]
        outcome, done, failed = batch["_outcome"], [], []
        for number, line in enumerate(lines, start=1):
            if outcome == "failed" or (outcome == "expire_half" and number > len(lines) // 2):
                failed += [_expired(line)] if outcome == "expire_half" else []
            elif outcome == "fail_lines" and number % self.fail_every == 0:
                failed.append(_line_error(line, 500, "The server had an error processing this request."))
            else:
                done.append(self._answer(line))
        status = {"complete": "completed", "fail_lines": "completed", "expire_half": "expired", "failed": "failed"}
        now = int(time.time())
        batch.update(status=status[outcome], request_counts={"total": len(lines), "completed": len(done),
                                                               "failed": len(failed)})
        batch[f"{status[outcome]}_at"] = now
        if done:
            batch["output_file_id"] = self._store_file(_jsonl(done), "batch_output.jsonl", "batch_output")["id"]
        if failed:
            batch["error_file_id"] = self._store_file(_jsonl(failed), "batch_errors.jsonl", "batch_output")["id"]

    def _answer(self, line: dict) -> dict:
        body = line["body"]
        reply, cached = self.next_reply(body, "batch")
        self.finished()
        if reply.status != 200:
            return _line_error(line, reply.status, json.dumps(reply.error_body))
        return {"id": f"batch_req_{os.urandom(6).hex()}", "custom_id": line["custom_id"], "error": None,
                "response": {"status_code": 200, "request_id": os.urandom(6).hex(),
                             "body": _completion(body, reply, cached)}}

    def cancel(self, batch_id: str) -> dict:
        with self.batch_lock:
            batch = self.batches[batch_id]
            if batch["status"] == "in_progress":
                batch.update(status="cancelled", cancelled_at=int(time.time()))
            return _public(batch)

    def list_batches(self, after: str | None, limit: int) -> dict:
        """Newest first, as OpenAI lists them."""
        with self.batch_lock:
            ordered = list(reversed(self.batches.values()))
        start = next((i + 1 for i, b in enumerate(ordered) if b["id"] == after), 0) if after else 0
        page = [_public(b) for b in ordered[start:start + limit]]
        return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None, "has_more": start + limit < len(ordered)}


def _public(item: dict) -> dict:
    return {key: value for key, value in item.items() if not key.startswith("_") and key != "data"}


def _jsonl(lines: list[dict]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")


def _line_error(line: dict, status: int, message: str) -> dict:
    return {"id": f"batch_req_{os.urandom(6).hex()}", "custom_id": line["custom_id"], "error": None,
            "response": {"status_code": status, "request_id": os.urandom(6).hex(),
                         "body": {"error": {"message": message, "type": "server_error"}}}}


def _expired(line: dict) -> dict:
    return {"id": f"batch_req_{os.urandom(6).hex()}", "custom_id": line["custom_id"], "response": None,
            "error": {"code": "batch_expired",
                      "message": "This request could not be executed before the completion window expired."}}


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body by name: (filename, bytes)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
            for part in message.iter_parts()}


def _batch_handler_for(server: BatchServer):
    chat = _handler_for(server)

    class Handler(chat):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?")[0].rstrip("/")
            if path.endswith("/files"):
                parts = _multipart(self.headers["Content-Type"], self.read_body())
                filename, data = parts["file"]
                self.send_json(server.upload(data, filename or "upload.jsonl", parts["purpose"][1].decode()))
            elif path.endswith("/batches"):
                batch = server.create_batch(self.read_json())
                time.sleep(server.create_delay_s)
                self.send_json(batch, 400 if "error" in batch else 200)
            elif path.endswith("/cancel"):
                self.read_body()
                self.send_json(server.cancel(path.split("/")[-2]))
            else:
                super().do_POST()

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path, _, query = self.path.partition("?")
            parts = path.rstrip("/").split("/")
            params = dict(item.split("=", 1) for item in query.split("&") if "=" in item)
            if parts[-1] == "content" and parts[-2] in server.files:
                self.send_body(200, server.files[parts[-2]]["data"], content_type="application/octet-stream")
            elif parts[-1] in server.files:
                self.send_json(_public(server.files[parts[-1]]))
            elif parts[-1] == "batches":
                self.send_json(server.list_batches(params.get("after"), int(params.get("limit", 20))))
            elif parts[-1] in server.batches:
                self.send_json(_public(server.batches[parts[-1]]))
            else:
                super().do_GET()

    return Handler


@contextmanager
def serve_batches(outcomes: Iterable[str] = (), script: Iterable[Reply] = (), **options) -> Iterator[BatchServer]:
    """Run a batch-capable scripted server on a free port of 127.0.0.1 for the duration of the block."""
    server = BatchServer(outcomes, script=script, **options)
    with running(server.httpd):
        yield server
