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
"""

import atexit
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import pandas as pd

from dynosaur_assets.quality.suites import ExpectationOutcome


class ValidationWorker:
    """The run process's handle on its validation child process."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._warm_up_pending = False  # the child's first message (its warm-up) not read yet
        self.warm_up: dict[str, float] = {}  # the child's warm-up cost (seconds), once it reported it

    def start(self) -> None:
        """Start the child if it is not running; return at once (it warms up on its own)."""
        with self._lock:
            self._start()

    def validate(
        self, table: str, df: pd.DataFrame, context_frames: Mapping[str, Any] | None = None
    ) -> list[ExpectationOutcome]:
        """`suites.validate_frame` in the child. Raises RuntimeError naming the table when the child
        failed or died (the next call starts a new one)."""
        with self._lock:
            self._start()
            try:
                _send(self._process.stdin, (table, df, dict(context_frames or {})))
                warm_up = _receive(self._process.stdout) if self._warm_up_pending else None
                reply = _receive(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError) as error:
                code = self._stop()
                raise RuntimeError(
                    f"the Great Expectations worker process exited (code {code}) while validating {table}"
                ) from error
            if warm_up is not None:
                self._warm_up_pending = False
                self.warm_up = _unwrap(warm_up, "warming up")
        return _unwrap(reply, f"validating {table}")

    def stop(self) -> None:
        """Close the child's stdin and wait for it to exit."""
        with self._lock:
            self._stop()

    def _start(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self.warm_up, self._warm_up_pending = {}, True
            self._process = subprocess.Popen(
                [sys.executable, "-m", "dynosaur_assets.quality.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )

    def _stop(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            process.stdin.close()
            return process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            return process.wait()


def _send(stream: BinaryIO, message: object) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def _receive(stream: BinaryIO) -> tuple[str, Any]:
    return pickle.load(stream)


def _unwrap(reply: tuple[str, Any], doing: str) -> Any:
    status, value = reply
    if status == "error":
        raise RuntimeError(f"Great Expectations failed {doing}:\n{value}")
    return value


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
