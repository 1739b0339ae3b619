"""`llm_calls` in DuckDB: the `CallStore` the LLM client writes each response to as it arrives."""

from collections.abc import Iterable

import duckdb

from dynosaur_assets.design.llm_client import CALL_ROW_FIELDS, CallRow

_COLUMNS = ", ".join(CALL_ROW_FIELDS)
_PLACEHOLDERS = ", ".join("?" for _ in CALL_ROW_FIELDS)
_INSERT = f"INSERT INTO llm_calls ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
_UPSERT = f"INSERT OR REPLACE INTO llm_calls ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"


class DuckDBCallStore:
    """Reads and writes `llm_calls`; every `put` commits at once, so a crash keeps what was paid for."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self._stored: set[str] = set()  # hashes this store has seen stored (looked up or written)

    def get(self, request_hash: str) -> CallRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash = ?", [request_hash]
        ).fetchone()
        if row is None:
            return None
        self._stored.add(request_hash)
        return CallRow(**dict(zip(CALL_ROW_FIELDS, row)))

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]:
        """`get` for many hashes in one query (a query per hash costs ~1-3 ms each): the stored rows by
        hash, absent hashes left out. The client looks up a whole run this way before sending."""
        hashes = list(dict.fromkeys(request_hashes))
        if not hashes:
            return {}
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))", [hashes]
        ).fetchall()
        found = {row.request_hash: row for row in (CallRow(**dict(zip(CALL_ROW_FIELDS, row))) for row in rows)}
        self._stored.update(found)
        return found

    def put(self, row: CallRow) -> None:
        """Adds the row, or replaces the stored one with its hash. DuckDB's upsert costs ~3x a plain
        INSERT (~5 vs ~1.5 ms a row, which at 32 concurrent calls held the event loop longer than the
        client itself), so a hash not seen stored takes a plain INSERT, and the upsert only if the
        INSERT finds the hash taken (stored by another connection, or before this store was made)."""
        values = [getattr(row, name) for name in CALL_ROW_FIELDS]
        if row.request_hash in self._stored:
            self.conn.execute(_UPSERT, values)
        else:
            try:
                self.conn.execute(_INSERT, values)
            except duckdb.ConstraintException:
                self.conn.execute(_UPSERT, values)
        self._stored.add(row.request_hash)
