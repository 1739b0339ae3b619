"""The store resource: dagster-duckdb's DuckDB resource with the DuckLake catalog attached in its set-up."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from dynosaur_assets.lake import LakeConfigError, LakeSettings
from dynosaur_assets.paths import project_path
from dynosaur_assets.store import Session, connect_store, open_lake


class WriterBusy(RuntimeError):
    """Another run holds the writer role of a SQLite catalog; the message names it."""


class DynosaurDuckDB(DuckDBResource):
    """Every table, in a DuckLake catalog (`catalog`: `sqlite:<file>` or `postgres:<dsn>`, Parquet data
    under `data_path`), or, with an empty `catalog`, in the DuckDB `database` (tests and scripts).

    Dagster sets resources up once per run (in-process executor): the lake is attached then and held
    until the run ends, and each `get_connection` is a cursor of it. A sensor tick reads through
    `read_connection`. Readers in
    other processes (the DuckDB CLI with sql/attach.sql, `make sql`) see every committed snapshot while
    a run writes. A SQLite catalog has one writing run at a time: a second one stops at once naming
    the run that holds the role (runs of one Dagster instance queue instead, dagster_instance.yaml);
    a Postgres catalog takes several writers. A run over several partitions (a backfill, a sensor's
    batch) ends by writing the rows it left inlined in the catalog to Parquet, so that reading one
    dataset later does not scan them all."""

    catalog: str = Field(default="", description="sqlite:<file> or postgres:<dsn>; empty: the DuckDB `database`")
    data_path: str = Field(default="", description="the lake's Parquet directory or URL (default: beside a SQLite catalog)")
    snapshot_retention: str = Field(default="30 days", description="how long the lake's maintenance keeps old "
                                    "versions queryable (an interval, or 'forever')")

    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _writer_lock: IO | None = PrivateAttr(default=None)
    _session: Session | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run_id = context.run.run_id if context.run else None
        self._session = Session(lake=bool(self.catalog), run_id=run_id)
        if not run_id:
            return  # a sensor tick: it reads through `read_connection`, and never holds the lake
        if self.catalog:
            self._writer_lock = take_writer_role(self.lake(), run_id)
        self._held = self._connect()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._writer_lock is not None:
            self._writer_lock.close()
            self._writer_lock = None

    def lake(self) -> LakeSettings:
        """The lake's settings (LakeConfigError names a wrong one)."""
        return LakeSettings.from_settings(self.catalog, self.data_path)

    def path(self) -> Path | None:
        """The DuckDB file of a store without a catalog (None for an in-memory database or a lake)."""
        return project_path(self.database) if not self.catalog and self.database != ":memory:" else None

    def reports_dir(self) -> Path:
        """Where pictures go: `reports/` beside the lake's data directory (or the DuckDB file)."""
        if self.catalog:
            data = self.lake().data_path
            base = Path(data).parent if "://" not in data else project_path("data")
        else:
            base = (self.path() or project_path("data/store")).parent
        return base / "reports"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        conn = open_lake(self.lake()) if self.catalog else connect_store(self.path(), self.connection_config)
        return (self._session or Session(lake=bool(self.catalog))).set_up(conn)

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with every table of sql/schema.sql, using the lake."""
        if self._held is None or self._session is None:
            conn = self._connect()
        else:
            conn = self._session.set_up(self._held.cursor())
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def read_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the lake (for sensors: it never writes, nor waits for the writer);
        LakeConfigError when no run has created the lake yet."""
        if not self.catalog:
            with self.get_connection() as conn:
                yield conn
            return
        conn = open_lake(self.lake(), read_only=True)
        try:
            yield conn
        finally:
            conn.close()


def take_writer_role(lake: LakeSettings, run_id: str) -> IO | None:
    """For a SQLite catalog, hold `<catalog>.writer` (an OS lock, released if the process dies) for
    this run; WriterBusy names the run holding it. None for Postgres (several writers)."""
    if lake.catalog_file is None:
        return None
    lake.catalog_file.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{lake.catalog_file}.writer", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WriterBusy(f"the store {lake.describe()} is being written by {holder}: wait for it to end, "
                         "or use a Postgres catalog (DYNOSAUR_CATALOG) for several writers") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"run {run_id} (pid {os.getpid()})")
    handle.flush()
    return handle


