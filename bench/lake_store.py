"""The DuckLake store against the old single DuckDB file, on the same rows: the time to open each
read-only (a DuckDB file vs attaching the lake: what each CLI session and `make sql` pays once), every
sql/analysis/ query's time on an open connection (median of `--repeat` runs), with the lake's small
writes inlined in the catalog as a run leaves them and again after flushing them to Parquet; the writes' cost (one dataset replaced, as a run does), and the lake's files (Parquet data
files and catalog size) after the embedded Hub's run and after `--writes` more one-dataset writes (a
sensor run per new dataset writes each table once), with and without DuckLake's maintenance.

    .venv/bin/python bench/lake_store.py [--repeat 5] [--writes 100]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANALYSIS = sorted((ROOT / "sql" / "analysis").glob("*.sql"))
LAKE_ONLY = {"corpus_versions.sql", "tasks_added_since_version.sql", "corpus_as_of_version.sql"}


def fill_lake(work: Path) -> Path:
    """The embedded Hub's whole run (rules designer), in process, into a lake under `work`."""
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    catalog = work / "catalog.sqlite"
    os.environ.update({"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(work / "hub"), "DYNOSAUR_DESIGNER": "rules",
                       "DYNOSAUR_CATALOG": f"sqlite:{catalog}"})
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.jobs import partition_range_tags

    ids = sorted(p.parent.relative_to(work / "hub").as_posix() for p in (work / "hub").glob("*/*/README.md"))
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("hub_datasets", ids)
        job = defs.resolve_job_def("dynosaur")
        assert job.execute_in_process(instance=instance, tags=partition_range_tags(ids[0], ids[-1])).success
    return catalog


def copy_to_file(lake, path: Path) -> None:
    """The same tables, rows and types in one DuckDB file (the layout before the lake)."""
    import duckdb

    from dynosaur_assets.store import apply_schema, open_lake

    with duckdb.connect(str(path)) as conn:
        apply_schema(conn)
    with open_lake(lake, read_only=True) as conn:
        conn.execute(f"ATTACH '{path}' AS old")
        for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall():
            conn.execute(f"INSERT INTO old.main.{table} SELECT * FROM lake.main.{table}")


def query_seconds(conn, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.sql(path.read_text()).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def open_seconds(connect, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        connect().close()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def lake_files(lake) -> tuple[int, float]:
    files = list(Path(lake.data_path).rglob("*.parquet"))
    return len(files), lake.catalog_file.stat().st_size / 1e6


def write_seconds(conn, dataset_id: str, rounds: int) -> float:
    """Seconds to replace the dataset's hub_samples rows with themselves (one transaction each)."""
    from dynosaur_assets.store import replace_partition

    rows = conn.execute("SELECT * FROM hub_samples WHERE dataset_id = ?", [dataset_id]).fetch_arrow_table().to_pylist()
    started = time.perf_counter()
    for _ in range(rounds):
        replace_partition(conn, dataset_id, {"hub_samples": rows})
    return (time.perf_counter() - started) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writes", type=int, default=100)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="dynosaur-lake-bench-"))
    catalog = fill_lake(work)
    import duckdb

    from dynosaur_assets.lake import LakeSettings
    from dynosaur_assets.store import connect_store, open_lake

    lake = LakeSettings.from_settings(f"sqlite:{catalog}")
    old = work / "old.duckdb"
    copy_to_file(lake, old)
    after_run = lake_files(lake)
    print(f"1-min load {load:.2f}; {len(ANALYSIS)} queries, median of {args.repeat} on an open connection\n")
    open_file = open_seconds(lambda: duckdb.connect(str(old), read_only=True), args.repeat)
    open_lake_s = open_seconds(lambda: open_lake(lake, read_only=True), args.repeat)
    print(f"open read-only: single file {open_file * 1000:.0f} ms, lake (attach) {open_lake_s * 1000:.0f} ms\n")
    file_conn = duckdb.connect(str(old), read_only=True)
    inlined = {path.name: query_seconds(open_lake(lake, read_only=True), path, args.repeat) for path in ANALYSIS}
    with open_lake(lake) as conn:
        conn.execute("CALL ducklake_flush_inlined_data('lake')")
    flushed_conn = open_lake(lake, read_only=True)
    print("| query | single file (ms) | lake, inlined (ms) | lake, flushed (ms) | inlined / file | flushed / file |")
    print("|---|---|---|---|---|---|")
    ratios: dict[str, list[float]] = {"inlined": [], "flushed": []}
    for path in ANALYSIS:
        flushed = query_seconds(flushed_conn, path, args.repeat)
        if path.name in LAKE_ONLY:
            print(f"| {path.name} | (lake only) | {inlined[path.name] * 1000:.0f} | {flushed * 1000:.0f} | | |")
            continue
        in_file = query_seconds(file_conn, path, args.repeat)
        ratios["inlined"].append(inlined[path.name] / in_file)
        ratios["flushed"].append(flushed / in_file)
        print(f"| {path.name} | {in_file * 1000:.0f} | {inlined[path.name] * 1000:.0f} | {flushed * 1000:.0f} "
              f"| {inlined[path.name] / in_file:.2f} | {flushed / in_file:.2f} |")
    for state, values in ratios.items():
        print(f"lake ({state}) / file: median {statistics.median(values):.2f}, worst {max(values):.2f} (target <= 2)")
    flushed_conn.close()
    file_conn.close()
    dataset_id = "dyno-demo/product-reviews"
    with connect_store(old) as conn:
        file_write = write_seconds(conn, dataset_id, 10)
    with open_lake(lake) as conn:
        lake_write = write_seconds(conn, dataset_id, 10)
        after_writes_start = lake_files(lake)  # the flushed run, then 10 writes
        write_seconds(conn, dataset_id, args.writes)
        after_writes = lake_files(lake)
        started = time.perf_counter()
        conn.execute("CALL ducklake_flush_inlined_data('lake')")
        conn.execute("CALL ducklake_merge_adjacent_files('lake')")
        conn.execute("CALL ducklake_expire_snapshots('lake', older_than => now())")
        conn.execute("CALL ducklake_cleanup_old_files('lake', cleanup_all => true)")
        maintenance = time.perf_counter() - started
        after_maintenance = lake_files(lake)
    print(f"\nreplace one dataset's hub_samples ({dataset_id}): single file {file_write * 1000:.0f} ms, "
          f"lake {lake_write * 1000:.0f} ms ({lake_write / file_write:.1f}x)\n")
    print("| lake state | Parquet files | catalog MB |\n|---|---|---|")
    print(f"| after the embedded Hub's run (inlined) | {after_run[0]} | {after_run[1]:.1f} |")
    print(f"| flushed, then 10 timed writes | {after_writes_start[0]} | {after_writes_start[1]:.1f} |")
    print(f"| after {args.writes} more one-dataset writes | {after_writes[0]} | {after_writes[1]:.1f} |")
    print(f"| after flush + merge + expire + cleanup ({maintenance:.1f} s) | {after_maintenance[0]} | {after_maintenance[1]:.1f} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
