"""The DuckDB resource: dagster-duckdb's, with project-relative paths and the schema applied."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource

from dynosaur_assets.paths import project_path
from dynosaur_assets.store import connect_store


class DynosaurDuckDB(DuckDBResource):
    """One DuckDB file for every table; relative paths resolve against the project root."""

    def path(self) -> Path | None:
        """The database file (None for an in-memory database)."""
        return project_path(self.database) if self.database != ":memory:" else None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with every table of sql/schema.sql (its DDL runs once per process per file)."""
        conn = connect_store(self.path(), self.connection_config)
        try:
            yield conn
        finally:
            conn.close()
