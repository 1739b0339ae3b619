"""DuckLake: every table lives in a DuckLake catalog (SQLite file or Postgres) with Parquet data files,
attached to an in-memory DuckDB as `lake`, so the engine stays DuckDB and other processes can read
while a run writes. DuckDB's signed extensions come from their PyPI wheels (nothing is downloaded at
run time); where a wheel is absent DuckDB installs the extension as usual.

    python -m dynosaur_assets.lake    # install the extensions where the CLI's sql/attach.sql finds them
"""

import importlib.util
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dynosaur_assets.paths import PROJECT_ROOT, project_path

LAKE = "lake"
EXTENSION_DIR = PROJECT_ROOT / ".duckdb_extensions"
# extension -> the name DuckDB loads it by (the sqlite and postgres wheels hold `<name>.duckdb_extension`,
# whose entry points are `sqlite_scanner` / `postgres_scanner`)
EXTENSIONS = {"ducklake": "ducklake", "sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}
INLINE_ROWS = 1000  # inserts of up to this many rows stay in the catalog instead of a Parquet file each
MAX_COMMIT_RETRIES = 100  # DuckLake's own retries of a commit that meets another writer's (default 10)
_ready_dirs: set[str] = set()


class LakeConfigError(ValueError):
    """A catalog or data path setting that cannot work; its message is one line for the user."""


@dataclass(frozen=True)
class LakeSettings:
    """Where the lake lives: `catalog` is `sqlite:<file>` or `postgres:<libpq connection string>`;
    `data_path` the directory (or object-storage URL) of its Parquet files."""

    catalog: str
    data_path: str
    beside_catalog: bool = False  # the default layout: data in lake/ beside a SQLite catalog, moved with it

    @classmethod
    def from_settings(cls, catalog: str, data_path: str = "") -> "LakeSettings":
        """Validate the two settings; relative paths are relative to the project root. An empty data
        path is `lake/` beside a SQLite catalog (a Postgres catalog needs one)."""
        kind, _, target = catalog.partition(":")
        if kind not in ("sqlite", "postgres") or not target.strip():
            raise LakeConfigError(f"DYNOSAUR_CATALOG={catalog!r}: expected sqlite:<file> or postgres:<dbname=... host=...>")
        if kind == "sqlite":
            target = str(project_path(target))
        beside = not data_path
        if beside:
            if kind == "postgres":
                raise LakeConfigError("DYNOSAUR_DATA_PATH is required with a Postgres catalog (a directory or s3://...)")
            data_path = str(Path(target).parent / "lake")
        elif "://" not in data_path:
            data_path = str(project_path(data_path))
        return cls(f"{kind}:{target}", data_path.rstrip("/") + "/", beside)

    @property
    def kind(self) -> str:
        return self.catalog.partition(":")[0]

    @property
    def catalog_file(self) -> Path | None:
        """The SQLite catalog file (None for Postgres)."""
        return Path(self.catalog.partition(":")[2]) if self.kind == "sqlite" else None

    def describe(self) -> str:
        """The catalog for messages, without any password."""
        return re.sub(r"password\s*=\s*\S+", "password=***", self.catalog)

    def attach_sql(self, read_only: bool = False) -> str:
        options = [f"DATA_PATH '{_quoted(self.data_path)}'", f"DATA_INLINING_ROW_LIMIT {INLINE_ROWS}"]
        if self.beside_catalog:  # a copied or moved lake: its data is where the catalog now is
            options.append("OVERRIDE_DATA_PATH true")
        if read_only:
            options.append("READ_ONLY")
        return f"ATTACH IF NOT EXISTS 'ducklake:{_quoted(self.catalog)}' AS {LAKE} ({', '.join(options)})"


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def install_extensions(directory: Path = EXTENSION_DIR) -> Path:
    """Install DuckLake, SQLite and Postgres into `directory` from their PyPI wheels, once per
    directory and DuckDB version; return the directory."""
    key = f"{directory}:{duckdb.__version__}"
    if key in _ready_dirs:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(config=_config(directory)) as conn:
        installed = {name for (name,) in conn.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE installed").fetchall()}
        for package, name in EXTENSIONS.items():
            if name not in installed:
                binary = _wheel_binary(package, name, directory)
                conn.execute(f"INSTALL '{_quoted(str(binary))}'" if binary else f"INSTALL {name}")
                if binary:
                    binary.unlink()
    _ready_dirs.add(key)
    return directory


def _wheel_binary(package: str, name: str, directory: Path) -> Path | None:
    """The extension binary of the `duckdb-extension-<package>` wheel for this DuckDB version, copied
    under the name DuckDB loads it by (removed once installed); None without the wheel."""
    spec = importlib.util.find_spec(f"duckdb_extension_{package}")
    if spec is None or spec.origin is None:
        return None
    found = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{package}.duckdb_extension"
    if not found.exists():
        return None
    staged = directory / f"{name}.duckdb_extension"
    shutil.copyfile(found, staged)
    return staged


def _config(directory: Path) -> dict[str, Any]:
    return {"extension_directory": str(directory), "autoinstall_known_extensions": False}


def prepare_catalog(settings: LakeSettings) -> None:
    """Create the SQLite catalog file in WAL mode (readers never wait on the writer) and the data
    directory; nothing for Postgres or object storage."""
    if "://" not in settings.data_path:
        Path(settings.data_path).mkdir(parents=True, exist_ok=True)
    path = settings.catalog_file
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")


def connect_lake(settings: LakeSettings, read_only: bool = False,
                 config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as `lake` and in use."""
    directory = install_extensions()
    if not read_only:
        prepare_catalog(settings)
    elif settings.catalog_file is not None and not settings.catalog_file.exists():
        raise LakeConfigError(f"no store at {settings.describe()}: run `make run` first")
    conn = duckdb.connect(config={**_config(directory), **(config or {})})
    try:
        conn.execute(settings.attach_sql(read_only))
        conn.execute(f"USE {LAKE}")
        if not read_only:
            conn.execute(f"SET ducklake_max_retry_count = {MAX_COMMIT_RETRIES}")
    except duckdb.Error as error:
        conn.close()
        if read_only and "creating a new DuckLake is explicitly disabled" in str(error):
            raise LakeConfigError(f"no store at {settings.describe()} yet: run `make run` first (a run "
                                  "that has just started is still creating it)") from None
        stored = re.search(r'existing data path in the catalog "([^"]*)"', str(error))
        if stored:
            raise LakeConfigError(
                f"{settings.describe()} keeps its Parquet files under {stored.group(1)}, not {settings.data_path}: "
                f"set DYNOSAUR_DATA_PATH={stored.group(1)} (a lake moved with its data in lake/ beside the "
                "catalog file needs no DYNOSAUR_DATA_PATH)") from None
        raise
    return conn


@dataclass(frozen=True)
class LakeFiles:
    """What the lake's storage holds: Parquet files its latest snapshot reads (data and deletion files),
    Parquet files under a local data path (None for object storage), snapshots kept and the SQLite
    catalog's size (with its WAL)."""

    live_files: int
    files_on_disk: int | None
    snapshots: int
    catalog_mb: float | None


def lake_files(conn: duckdb.DuckDBPyConnection, settings: LakeSettings) -> LakeFiles:
    """Count the lake's files and snapshots (the connection has it attached)."""
    metadata = f"__ducklake_metadata_{LAKE}"
    live = sum(conn.execute(f"SELECT count(*) FROM {metadata}.ducklake_{kind}_file WHERE end_snapshot IS NULL").fetchone()[0]
               for kind in ("data", "delete"))
    snapshots = conn.execute(f"SELECT count(*) FROM {LAKE}.snapshots()").fetchone()[0]
    local = "://" not in settings.data_path
    on_disk = sum(1 for _ in Path(settings.data_path).rglob("*.parquet")) if local else None
    catalog = settings.catalog_file
    size = sum(p.stat().st_size for p in catalog.parent.glob(f"{catalog.name}*") if p.suffix != ".writer") / 1e6 \
        if catalog is not None else None
    return LakeFiles(live, on_disk, snapshots, size)


def checkpoint_lake(conn: duckdb.DuckDBPyConnection, retention: str, keep_unused: str) -> None:
    """DuckLake's CHECKPOINT: flush inlined rows to Parquet, expire snapshots older than `retention`
    (an interval such as '30 days'; 'forever' keeps every version), merge small adjacent files, rewrite
    files with many deleted rows, and delete files no snapshot has read for longer than `keep_unused`
    (readers of an older snapshot keep theirs until then)."""
    expire = "1000 years" if retention.strip().lower() == "forever" else retention
    for option, value in (("expire_older_than", expire), ("delete_older_than", keep_unused)):
        try:
            conn.execute("SELECT ?::INTERVAL", [value])
        except duckdb.Error:
            raise LakeConfigError(f"{value!r} is not an interval (e.g. '30 days', '12 hours')") from None
        conn.execute(f"CALL {LAKE}.set_option(?, ?)", [option, value])
    conn.execute(f"CHECKPOINT {LAKE}")


def flush_inlined_rows(conn: duckdb.DuckDBPyConnection) -> None:
    """Write every row inlined in the catalog to Parquet (what CHECKPOINT does first). A read of one
    dataset scans all of a table's inlined rows: after a backfill of 770 datasets, 1.3 s for
    `instruction_samples`, 0.07 s once they are in Parquet (bench/RESULTS.md, issue 14)."""
    conn.execute(f"CALL ducklake_flush_inlined_data('{LAKE}')")


def settings_from_env() -> LakeSettings:
    """The lake of DYNOSAUR_CATALOG / DYNOSAUR_DATA_PATH."""
    return LakeSettings.from_settings(os.environ.get("DYNOSAUR_CATALOG", "sqlite:data/catalog.sqlite"),
                                      os.environ.get("DYNOSAUR_DATA_PATH", ""))


if __name__ == "__main__":
    print(f"DuckDB {duckdb.__version__} extensions installed in {install_extensions()}")
