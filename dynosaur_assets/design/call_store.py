"""`llm_calls` in DuckDB: the `CallStore` the LLM client writes each response to as it arrives."""

from collections.abc import Iterable, Sequence

import duckdb

from dynosaur_assets.design.llm_client import CALL_ROW_FIELDS, CallRow

_COLUMNS = ", ".join(CALL_ROW_FIELDS)
_PLACEHOLDERS = f"({', '.join('?' for _ in CALL_ROW_FIELDS)})"


def _row(values: Sequence) -> CallRow:
    return CallRow(**dict(zip(CALL_ROW_FIELDS, values)))


class DuckDBCallStore:
    """Reads and writes `llm_calls`; every `put` / `put_many` commits at once, so a crash keeps what was
    paid for."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def get(self, request_hash: str) -> CallRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash = ?", [request_hash]
        ).fetchone()
        return None if row is None else _row(row)

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]:
        """`get` for many hashes in one query: the stored rows by hash, absent hashes left out. The
        client looks up a whole run this way before sending."""
        hashes = list(dict.fromkeys(request_hashes))
        if not hashes:
            return {}
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))", [hashes]
        ).fetchall()
        return {row.request_hash: row for row in map(_row, rows)}

    def put(self, row: CallRow) -> None:
        """Adds the row, or replaces the stored one with its hash."""
        self.put_many([row])

    def put_many(self, rows: Sequence[CallRow]) -> None:
        """Adds the rows, replacing stored ones with their hashes (of rows given twice, the last wins),
        in one statement and so one commit: all of them or none. A plain multi-row INSERT is tried first,
        and an `INSERT OR REPLACE` of the same rows only if it finds a hash already stored."""
        rows = list({row.request_hash: row for row in rows}.values())
        if not rows:
            return
        values_sql = ", ".join([_PLACEHOLDERS] * len(rows))
        values = [getattr(row, name) for row in rows for name in CALL_ROW_FIELDS]
        try:
            self.conn.execute(f"INSERT INTO llm_calls ({_COLUMNS}) VALUES {values_sql}", values)
        except duckdb.ConstraintException:
            self.conn.execute(f"INSERT OR REPLACE INTO llm_calls ({_COLUMNS}) VALUES {values_sql}", values)
