"""Where the LLM client keeps finished calls: the `CallRow`, the `CallStore` protocol, a dict for tests
and dry runs, and `llm_calls` in DuckDB for the pipeline (each response written as it arrives)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Protocol

import duckdb

from dynosaur_assets.store import Session, transaction


@dataclass(frozen=True)
class CallRow:
    """One finished call as stored: a response (`error` None) or the final failure after retries."""

    request_hash: str
    model: str
    prompt_kind: str
    dataset_id: str
    task_name: str
    response_text: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost_usd: float
    latency_s: float
    error: str | None
    attempts: int
    response_format: str
    created_at: datetime
    mode: str | None = "sync"  # sync | batch (the Batch API, half price); None: stored before modes existed


CALL_ROW_FIELDS = tuple(item.name for item in fields(CallRow))


class CallStore(Protocol):
    """Where calls are kept. `get_many` returns the stored rows for many hashes by hash (absent hashes
    left out), with which the client looks up a whole run in one go; `put_many` adds or replaces the
    rows for their hashes, all or none of them. A row with an `error` is not a cache hit: the client
    requests it again."""

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]: ...

    def put_many(self, rows: Sequence[CallRow]) -> None: ...


class InMemoryCallStore:
    """A `CallStore` in a dict, for tests and dry runs."""

    def __init__(self) -> None:
        self.rows: dict[str, CallRow] = {}

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]:
        return {digest: self.rows[digest] for digest in request_hashes if digest in self.rows}

    def put_many(self, rows: Sequence[CallRow]) -> None:
        self.rows.update((row.request_hash, row) for row in rows)


_COLUMNS = ", ".join(CALL_ROW_FIELDS)
_PLACEHOLDERS = f"({', '.join('?' for _ in CALL_ROW_FIELDS)})"


class DuckDBCallStore:
    """Reads and writes `llm_calls`; every `put_many` commits at once, so a crash keeps what was paid for.

    It remembers, for every hash it has looked up or written, whether it is stored, so a commit of calls
    the client looked up first needs no lookup: on the lake a lookup costs ~17 ms of the ~40 ms a commit
    of 32 calls takes (bench/RESULTS.md)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.session = Session.of(conn)
        self._stored: dict[str, bool] = {}

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]:
        """The stored rows by hash, in one query; absent hashes left out."""
        hashes = list(dict.fromkeys(request_hashes))
        if not hashes:
            return {}
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))", [hashes]
        ).fetchall()
        found = {row.request_hash: row for row in (CallRow(*values) for values in rows)}
        self._stored.update((digest, digest in found) for digest in hashes)
        return found

    def put_many(self, rows: Sequence[CallRow]) -> None:
        """Adds the rows, replacing stored ones with their hashes (of rows given twice, the last wins),
        in one transaction and so one commit (one DuckLake snapshot): all of them or none. Only when a
        hash is already stored (a failed call answered later) are rows deleted first: plain appends never
        conflict with another writer's."""
        rows = list({row.request_hash: row for row in rows}.values())
        if not rows:
            return
        values_sql = ", ".join([_PLACEHOLDERS] * len(rows))
        values = [getattr(row, name) for row in rows for name in CALL_ROW_FIELDS]
        unknown = [row.request_hash for row in rows if row.request_hash not in self._stored]
        if unknown:
            self.get_many(unknown)
        replaced = [row.request_hash for row in rows if self._stored[row.request_hash]]
        with transaction(self.conn, f"llm_calls: {len(rows)} responses", {"rows": {"llm_calls": len(rows)}},
                         self.session):
            if replaced:
                self.conn.execute("DELETE FROM llm_calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))",
                                  [replaced])
            self.conn.execute(f"INSERT INTO llm_calls ({_COLUMNS}) VALUES {values_sql}", values)
        self._stored.update((row.request_hash, True) for row in rows)
