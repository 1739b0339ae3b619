"""`llm_calls` in DuckDB: the `CallStore` the LLM client writes each response to as it arrives."""

import duckdb

from dynosaur_assets.design.llm_client import CALL_ROW_FIELDS, CallRow

_COLUMNS = ", ".join(CALL_ROW_FIELDS)
_PLACEHOLDERS = ", ".join("?" for _ in CALL_ROW_FIELDS)


class DuckDBCallStore:
    """Reads and writes `llm_calls`; every `put` commits at once, so a crash keeps what was paid for."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def get(self, request_hash: str) -> CallRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM llm_calls WHERE request_hash = ?", [request_hash]
        ).fetchone()
        return CallRow(**dict(zip(CALL_ROW_FIELDS, row))) if row else None

    def put(self, row: CallRow) -> None:
        values = [getattr(row, name) for name in CALL_ROW_FIELDS]
        self.conn.execute(f"INSERT OR REPLACE INTO llm_calls ({_COLUMNS}) VALUES ({_PLACEHOLDERS})", values)
