"""The DuckDB resource: dagster-duckdb's, with project-relative paths and the schema applied."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from dynosaur_assets.paths import project_path
from dynosaur_assets.store import connect_store


class DynosaurDuckDB(DuckDBResource):
    """One DuckDB file for every table; relative paths resolve against the project root.

    Dagster sets resources up once per run (in-process executor) and once per sensor tick: the file is
    opened then and held until the run or tick ends, and each `get_connection` is a cursor of it
    (~1 ms instead of the ~30-60 ms of opening the file). While a run holds it, no other process can
    open the file (DuckDB's lock), not even read-only: query it from the CLI between runs. Runs are
    queued one at a time (dagster_instance.yaml). Built outside Dagster (a script), each `get_connection`
    opens the file."""

    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._held = connect_store(self.path(), self.connection_config)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def path(self) -> Path | None:
        """The database file (None for an in-memory database)."""
        return project_path(self.database) if self.database != ":memory:" else None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with every table of sql/schema.sql (its DDL runs once per process per file)."""
        conn = self._held.cursor() if self._held is not None else connect_store(self.path(), self.connection_config)
        try:
            yield conn
        finally:
            conn.close()
