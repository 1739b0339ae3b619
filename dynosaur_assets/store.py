"""DuckDB store: the DDL in sql/ applied once per process per database file, and replace-by-partition
writes."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMA_FILE = SQL_DIR / "schema.sql"

# (device, inode) of each database file this process has applied the schema to
_schema_applied: set[tuple[int, int]] = set()


def apply_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every table declared in sql/schema.sql that does not exist yet."""
    conn.execute(SCHEMA_FILE.read_text())


def connect_store(path: Path | None, config: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the database file (None: a new in-memory database) with every table of
    sql/schema.sql: the DDL runs on each in-memory database, on each file that did not exist yet, and
    otherwise once per process per file."""
    if path is None:
        return _with_schema(duckdb.connect(":memory:", config=dict(config or {})))
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    conn = duckdb.connect(str(path), config=dict(config or {}))
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino)
    if fresh or key not in _schema_applied:
        _with_schema(conn)
        _schema_applied.add(key)
    return conn


def _with_schema(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The connection after `apply_schema`; closed if the DDL fails."""
    try:
        apply_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, in declaration order."""
    return [row[0] for row in conn.execute(f"DESCRIBE {table}").fetchall()]


def replace_partition(
    conn: duckdb.DuckDBPyConnection, dataset_id: str, tables: Mapping[str, Iterable[dict]]
) -> dict[str, int]:
    """Replace one dataset's rows in each given table, all in a single transaction.

    Rows are dicts keyed by column name; columns a row lacks are NULL. Returns rows written per table.
    """
    written = {}
    with transaction(conn):
        for table, rows in tables.items():
            conn.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
            written[table] = insert_rows(conn, table, list(rows))
    return written


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit what the block did, or roll all of it back if it raised."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def insert_rows(conn: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> int:
    """Append dict rows to a table through Arrow, casting to the declared column types."""
    if not rows:
        return 0
    columns = table_columns(conn, table)
    incoming = pa.table({column: [row.get(column) for row in rows] for column in columns})
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # DuckDB scans the local Arrow table
    return len(rows)
