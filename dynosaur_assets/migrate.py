"""`make migrate`: copy a store in the old single-file layout (`DYNOSAUR_DB`, default
data/dynosaur.duckdb) into the lake, in one transaction; the old file is left as it was.

A file written by DuckDB 2.x cannot be opened by the 1.5.5 this project pins (DuckLake's extensions
exist for 1.5.5 only): it is first exported to Parquet by a DuckDB 2.x that pip installs once into
build/duckdb-export/ (from the package index, as `make` installs everything else).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from dynosaur_assets.lake import LakeConfigError, LakeSettings, settings_from_env
from dynosaur_assets.paths import PROJECT_ROOT, project_path
from dynosaur_assets.store import open_lake, table_columns, transaction

EXPORTER = PROJECT_ROOT / "build" / "duckdb-export"
EXPORT_SCRIPT = "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True).execute(" \
                "f\"EXPORT DATABASE '{sys.argv[2]}' (FORMAT parquet)\")"


class MigrationError(RuntimeError):
    """Why the store cannot be copied; one line for the user."""


def migrate(source: Path, lake: LakeSettings) -> dict[str, int]:
    """Copy every table of the old store into the (empty) lake; return rows copied per table."""
    if not source.exists():
        raise MigrationError(f"no store at {source}: nothing to migrate")
    conn = open_lake(lake)
    try:
        tables = [name for (name,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall()]
        filled = [t for t in tables if conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
        if filled:
            raise MigrationError(f"the lake {lake.describe()} already holds rows ({', '.join(filled)}): "
                                 "migrate into an empty lake (a new DYNOSAUR_CATALOG)")
        with tempfile.TemporaryDirectory() as exported:
            sources = _source_relations(conn, source, Path(exported))
            with transaction(conn, f"migrated from {source.name}", {"migrated_from": str(source)}):
                return {table: _copy(conn, table, sources[table]) for table in tables if table in sources}
    finally:
        conn.close()


def _source_relations(conn: duckdb.DuckDBPyConnection, source: Path, exported: Path) -> dict[str, str]:
    """table -> a SQL relation of its old rows: the attached file, or its Parquet export."""
    try:
        conn.execute(f"ATTACH '{source}' AS legacy (READ_ONLY)")
        return {name: f"legacy.main.{name}" for (name,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'legacy'").fetchall()}
    except duckdb.Error as error:
        if "version" not in str(error).lower():
            raise MigrationError(f"{source} cannot be read: {error}") from None
    print(f"{source} was written by a newer DuckDB; exporting it to Parquet with DuckDB 2.x ...", flush=True)
    _export_with_newer_duckdb(source, exported)
    return {path.stem: f"read_parquet('{path}')" for path in sorted(exported.glob("*.parquet"))}


def _export_with_newer_duckdb(source: Path, out: Path) -> None:
    if not (EXPORTER / "duckdb").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(EXPORTER), "duckdb>=2,<3"],
                       check=True)
    done = subprocess.run([sys.executable, "-c", EXPORT_SCRIPT, str(source), str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(EXPORTER)})
    if done.returncode != 0:
        raise MigrationError(f"{source} could not be exported: {done.stderr.strip().splitlines()[-1]}")


def _copy(conn: duckdb.DuckDBPyConnection, table: str, relation: str) -> int:
    """Insert the old rows, each column cast to the lake's type; columns the old table lacks are NULL."""
    old = {name for (name,) in conn.execute(f"SELECT column_name FROM (DESCRIBE SELECT * FROM {relation})").fetchall()}
    types = dict(conn.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())
    select = ", ".join(f'CAST("{c}" AS {types[c]})' if c in old else f"NULL::{types[c]}" for c in table_columns(conn, table))
    conn.execute(f"INSERT INTO {table} SELECT {select} FROM {relation}")
    return conn.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=os.environ.get("DYNOSAUR_DB") or "data/dynosaur.duckdb")
    args = parser.parse_args(argv)
    try:
        lake = settings_from_env()
        copied = migrate(project_path(args.source), lake)
    except (MigrationError, LakeConfigError) as error:
        print(f"migration stopped: {error}", file=sys.stderr)
        return 2
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")
    print(f"copied {project_path(args.source)} into {lake.describe()} (data {lake.data_path}); the old file is unchanged: "
          "move it away once you have checked the lake (`make sql`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
