"""The store: the DDL in sql/ applied once per process per lake (or database file), and
replace-by-partition writes, one transaction (one DuckLake snapshot) per dataset, retried when another
writer's commit conflicts."""

import json
import logging
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dynosaur_assets.lake import LAKE, LakeSettings, connect_lake

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMA_FILE = SQL_DIR / "schema.sql"
CONFLICT_RETRIES = 8  # whole-transaction retries after DuckLake's own commit retries ran out
RUN_ID_VARIABLE = "dynosaur_run_id"  # a connection's run, recorded in each snapshot's commit message

log = logging.getLogger("dynosaur")
# (device, inode) of each database file, and each lake catalog, this process has applied the schema to
_schema_applied: set[tuple[int, int] | str] = set()


def open_lake(settings: LakeSettings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the lake with every table of sql/schema.sql (its DDL runs once per process per
    catalog; never on a read-only connection)."""
    conn = connect_lake(settings, read_only=read_only)
    if not read_only and settings.catalog not in _schema_applied:
        _with_schema(conn)
        give_tables_stats(conn)
        _schema_applied.add(settings.catalog)
    return conn


def give_tables_stats(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Give each lake table that was never written its statistics (a row inserted and deleted in one
    transaction: one snapshot without data or author); return those tables.

    DuckLake 1.5's extension (ducklake d8a1881e, the v1.5 branch) looks a never-written table's
    statistics up in the catalog again for every column every time a query binds it, ~2.5 ms a column
    over SQLite: `task_rejections` or `llm_calls` empty in a rule-designer store made every query and
    write that names them 30-60 ms slower (bench/RESULTS.md). Fixed upstream in duckdb/ducklake#1313."""
    missing = [name for (name,) in conn.execute(f"""
        SELECT t.table_name FROM __ducklake_metadata_{LAKE}.ducklake_table t
        WHERE t.end_snapshot IS NULL AND t.table_id NOT IN (
            SELECT table_id FROM __ducklake_metadata_{LAKE}.ducklake_table_stats)""").fetchall()]
    if missing:
        with transaction(conn):  # no commit message: not a version of the corpus
            for table in missing:
                types = conn.execute(f"SELECT column_type FROM (DESCRIBE {table})").fetchall()
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join(_zero(t) for (t,) in types)})")
                conn.execute(f"DELETE FROM {table}")
    return missing


def _zero(column_type: str) -> str:
    """A literal every column of this type accepts (NOT NULL included)."""
    if column_type.endswith("[]"):
        return "[]"
    if column_type.startswith("MAP"):
        return "MAP {}"
    literals = {"VARCHAR": "''", "JSON": "'{}'", "BOOLEAN": "false"}
    return literals.get(column_type, "'epoch'" if column_type.startswith("TIMESTAMP") else "0")


def apply_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every table declared in sql/schema.sql that does not exist yet, in one transaction: a reader
    of a lake being created sees every table or none."""
    with transaction(conn):
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


@dataclass(frozen=True)
class Session:
    """How a connection to the store is set up: whether it uses the lake, and the run it writes for
    (recorded in each snapshot's commit message). New cursors of a connection start without either."""

    lake: bool
    run_id: str | None = None

    @classmethod
    def of(cls, conn: duckdb.DuckDBPyConnection) -> "Session":
        """The session a connection was set up with."""
        database, run_id = conn.execute(f"SELECT current_database(), getvariable('{RUN_ID_VARIABLE}')").fetchone()
        return cls(database == LAKE, run_id)

    def set_up(self, conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """The connection, using the lake and carrying the run id of this session."""
        if self.lake:
            conn.execute(f"USE {LAKE}")
        if self.run_id:
            conn.execute(f"SET VARIABLE {RUN_ID_VARIABLE} = ?", [self.run_id])
        return conn

    def commit_message(self, conn: duckdb.DuckDBPyConnection, message: str, info: Mapping[str, Any]) -> None:
        """Inside a lake transaction: record the run and what it writes in the snapshot it commits
        (`lake.snapshots()`'s commit_message / commit_extra_info; sql/analysis/corpus_versions.sql)."""
        if self.lake:
            run_id = self.run_id or ""
            conn.execute(f"CALL {LAKE}.set_commit_message('dynosaur', ?, extra_info => ?)",
                         [f"run {run_id[:8]}: {message}" if run_id else message,
                          json.dumps({"run_id": run_id, **info})])


def replace_partition(
    conn: duckdb.DuckDBPyConnection, dataset_id: str, tables: Mapping[str, Iterable[dict]]
) -> dict[str, int]:
    """Replace one dataset's rows in each given table, all in a single transaction.

    Rows are dicts keyed by column name; columns a row lacks are NULL. Returns rows written per table.
    """
    materialized = {table: list(rows) for table, rows in tables.items()}
    info = {"dataset_id": dataset_id, "rows": {table: len(rows) for table, rows in materialized.items()}}
    session = Session.of(conn)
    attempt = 1
    while True:
        cursor = session.set_up(conn.cursor())  # a connection that met a conflict is not reused for the retry
        try:
            with transaction(cursor, dataset_id, info, session):
                for table, rows in materialized.items():
                    cursor.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
                    insert_rows(cursor, table, rows)
            return info["rows"]
        except duckdb.TransactionException as error:
            if "conflict" not in str(error).lower() or attempt == CONFLICT_RETRIES:
                raise
            pause = min(0.05 * 2**attempt, 5.0) * random.uniform(0.5, 1.5)
            log.warning("dataset %s: transaction conflict with another writer, retry %d of %d in %.2f s",
                        dataset_id, attempt, CONFLICT_RETRIES - 1, pause)
            time.sleep(pause)
            attempt += 1
        finally:
            cursor.close()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection, message: str = "", info: Mapping[str, Any] | None = None,
                session: Session | None = None) -> Iterator[None]:
    """Commit what the block did, or roll all of it back if it raised; on the lake, the snapshot it
    makes carries `message` and `info` with the session's run id (default: the connection's)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
        if message:
            (session or Session.of(conn)).commit_message(conn, message, info or {})
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
