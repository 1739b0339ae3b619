"""DuckDB store: the DDL in sql/ applied once per connection, and replace-by-partition writes."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMA_FILE = SQL_DIR / "schema.sql"


def apply_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every table declared in sql/schema.sql that does not exist yet."""
    conn.execute(SCHEMA_FILE.read_text())


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
