"""Great Expectations validations in a worker process (no Dagster here).

GX's import costs ~4.5 s of CPU, and its validations hold the GIL; in the run's own process both
compete with the run's steps. The worker is one child process per run process, started at the
beginning of a run (`ValidationWorker.start`): it imports GX and builds the suites (`suites.warm_up`)
on the machine's other core while the run's first assets materialize. Each check then sends the
DataFrames it read from DuckDB to it and waits for the outcomes. Only the run's process touches
DuckDB.

Messages are pickled over the child's stdin and stdout; whatever the child prints goes to stderr. The
child exits when its stdin closes, so it never outlives the run's process.

    worker = validation_worker()
    worker.start()                                    # returns at once
    outcomes = worker.validate("instructions", df, {"hub_datasets": hub_df})
    ticket = worker.submit("hub_samples", df)         # returns at once; answered in order
    outcomes = worker.result(ticket)
"""

import atexit
import itertools
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import pandas as pd

from dynosaur_assets.quality.suites import ExpectationOutcome


class ValidationWorker:
    """The run process's handle on its validation child process. Requests are answered in the order
    they were submitted; a sender thread writes them, so the caller never blocks on a full pipe."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.RLock()
        self._outbox: queue.Queue | None = None
        self._unread: deque[tuple[int, str]] = deque()  # (ticket, table) submitted, reply not read yet
        self._replies: dict[int, tuple[str, Any]] = {}
        self._discarded: set[int] = set()
        self._tickets = itertools.count()
        self._warm_up_pending = False  # the child's first message (its warm-up) not read yet
        self.warm_up: dict[str, Any] = {}  # the child's warm-up cost (seconds), or {"error": traceback}

    def start(self) -> None:
        """Start the child if it is not running; return at once (it warms up on its own)."""
        with self._lock:
            self._start()

    def submit(self, table: str, df: pd.DataFrame, context_frames: Mapping[str, Any] | None = None) -> int:
        """Queue `suites.validate_frame(table, df, context_frames)` for the child; return its ticket."""
        with self._lock:
            self._start()
            ticket = next(self._tickets)
            self._unread.append((ticket, table))
            self._outbox.put((table, df, dict(context_frames or {})))
            return ticket

    def result(self, ticket: int) -> list[ExpectationOutcome]:
        """The outcomes of a submitted validation, once the child answered it. Raises RuntimeError
        naming the table when the child failed on it or died before answering it (the next submit
        starts a new child)."""
        with self._lock:
            while ticket not in self._replies:
                if not self._waiting(ticket):
                    raise RuntimeError(f"validation {ticket} was never submitted, or was already collected")
                self._read_reply()
            status, value = self._replies.pop(ticket)
        if status == "error":
            raise RuntimeError(value)
        return value

    def discard(self, ticket: int) -> None:
        """Drop a submitted validation's reply (no `result` will ask for it)."""
        with self._lock:
            if self._replies.pop(ticket, None) is None and self._waiting(ticket):
                self._discarded.add(ticket)

    def validate(
        self, table: str, df: pd.DataFrame, context_frames: Mapping[str, Any] | None = None
    ) -> list[ExpectationOutcome]:
        """`suites.validate_frame` in the child."""
        return self.result(self.submit(table, df, context_frames))

    def stop(self) -> None:
        """Close the child's stdin and wait for it to exit."""
        with self._lock:
            self._stop()

    def _waiting(self, ticket: int) -> bool:
        return any(waiting == ticket for waiting, _ in self._unread)

    def _read_reply(self) -> None:
        """Read the child's next reply. A failed warm-up is kept in `warm_up`: the validations then
        fail with the same error themselves. If the child died, every unanswered validation fails."""
        try:
            if self._warm_up_pending:
                status, value = _receive(self._process.stdout)
                self._warm_up_pending = False
                self.warm_up = value if status == "ok" else {"error": value}
            status, value = _receive(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self._stop()
            return
        ticket, table = self._unread.popleft()
        self._keep(ticket, status, f"Great Expectations failed validating {table}:\n{value}" if status == "error" else value)

    def _keep(self, ticket: int, status: str, value: Any) -> None:
        if ticket in self._discarded:
            self._discarded.discard(ticket)
        else:
            self._replies[ticket] = (status, value)

    def _start(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self.warm_up, self._warm_up_pending = {}, True
            self._process = subprocess.Popen(
                [sys.executable, "-m", "dynosaur_assets.quality.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            self._outbox = queue.Queue()
            threading.Thread(target=_send_all, args=(self._outbox, self._process.stdin), daemon=True,
                             name="gx-worker-sender").start()

    def _stop(self) -> None:
        """Stop the child; each validation it has not answered fails, naming its table."""
        process, self._process = self._process, None
        if self._outbox is not None:
            self._outbox.put(None)  # the sender closes the child's stdin once the queue is written
            self._outbox = None
        code = None if process is None else _wait(process)
        for ticket, table in self._unread:
            self._keep(ticket, "error",
                       f"the Great Expectations worker process exited (code {code}) before validating {table}")
        self._unread.clear()


def _wait(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def _send_all(outbox: queue.Queue, stream: BinaryIO) -> None:
    """The sender thread: write each queued request to the child; close its stdin at None."""
    try:
        while (message := outbox.get()) is not None:
            _send(stream, message)
    except OSError:  # the child died; the reader reports it
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _send(stream: BinaryIO, message: object) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def _receive(stream: BinaryIO) -> tuple[str, Any]:
    return pickle.load(stream)


def _attempt(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except Exception:
        return "error", traceback.format_exc()


def serve() -> None:
    """The child's loop: report the warm-up, then answer each (table, df, context frames) message
    with its outcomes, until stdin closes."""
    from dynosaur_assets.quality.suites import validate_frame, warm_up

    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints (GX's included) must not reach the pipe
    requests = sys.stdin.buffer
    _send(replies, _attempt(warm_up))
    while True:
        try:
            table, df, context_frames = _receive(requests)
        except EOFError:
            return
        _send(replies, _attempt(lambda: validate_frame(table, df, context_frames)))


_WORKER = ValidationWorker()
atexit.register(_WORKER.stop)


def validation_worker() -> ValidationWorker:
    """The process's single worker."""
    return _WORKER


if __name__ == "__main__":
    serve()
