"""The DuckDB resource: dagster-duckdb's, with project-relative paths and the schema applied."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource

from dynosaur_assets.paths import project_path
from dynosaur_assets.store import apply_schema


class DynosaurDuckDB(DuckDBResource):
    """One DuckDB file for every table; relative paths resolve against the project root."""

    def path(self) -> Path | None:
        """The database file (None for an in-memory database)."""
        return project_path(self.database) if self.database != ":memory:" else None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(path) if path else ":memory:", config=self.connection_config)
        try:
            apply_schema(conn)
            yield conn
        finally:
            conn.close()
