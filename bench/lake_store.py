"""The DuckLake store against the old single DuckDB file, on the same rows: the time to open each
read-only (what each CLI session and `make sql` pays once); every sql/analysis/ query's time on an open
connection (median of `--repeat` runs) on the embedded Hub's store as a run leaves it (rows inlined in
the catalog) and on `--scale` copies of it (Parquet files, checkpointed); the cost of replacing one
dataset's rows; and the lake's files after the run, after `--runs` sensor runs of one new dataset each
(each table's rows of the dataset written as its assets write them) and after `lake_checkpoint`'s
CHECKPOINT (dynosaur_assets/lake.py), keeping every version and expiring them.

    .venv/bin/python bench/lake_store.py [--repeat 5] [--runs 100] [--scale 100]
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


PARTITIONED = ("hub_datasets", "hub_samples", "task_designs", "task_rejections", "instructions",
               "instruction_samples", "instruction_embeddings")
SUFFIXED = ("dataset_id", "partition", "instruction_hash", "request_hash")  # keys made distinct per copy


def scale_up(conn, copies: int) -> None:
    """Add `copies - 1` copies of every table's rows under new dataset ids (one transaction per table,
    so the lake writes Parquet files), to time the queries on a store of a realistic size."""
    from dynosaur_assets.store import table_columns

    tables = [name for (name,) in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
    for table in tables:
        suffixed = [column for column in table_columns(conn, table) if column in SUFFIXED]
        replace = ", ".join(f"{column} || '#' || k AS {column}" for column in suffixed)
        conn.execute(f"INSERT INTO {table} SELECT * EXCLUDE (k) REPLACE ({replace}) "
                     f"FROM {table} CROSS JOIN range(1, {copies}) AS copies(k)")


def one_run_writes(conn, source: str, dataset_id: str) -> None:
    """What a sensor run of one new dataset writes: each partitioned table's rows of that dataset, one
    transaction per table (copied here from `source`, an embedded dataset), and its quality results."""
    from dynosaur_assets.store import insert_rows, replace_partition, transaction

    for table in PARTITIONED + ("quality_results",):
        key = "partition" if table == "quality_results" else "dataset_id"
        rows = conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", [source]).fetch_arrow_table().to_pylist()
        for row in rows:
            row.update({column: f"{row[column]}#{dataset_id}" for column in SUFFIXED[2:] if column in row})
            row[key] = dataset_id
        if key == "dataset_id":
            replace_partition(conn, dataset_id, {table: rows})
        else:
            with transaction(conn, f"quality of {dataset_id}"):
                insert_rows(conn, table, rows)


def write_seconds(conn, dataset_id: str, rows: list[dict], rounds: int) -> float:
    """Seconds to replace the dataset's hub_samples rows with `rows` (one transaction each)."""
    from dynosaur_assets.store import replace_partition

    started = time.perf_counter()
    for _ in range(rounds):
        replace_partition(conn, dataset_id, {"hub_samples": rows})
    return (time.perf_counter() - started) / rounds


def query_table(conns: dict, repeat: int) -> dict[str, list[float]]:
    """Print each analysis query's median time per connection; return the ratios to the first one."""
    names = list(conns)
    print("| query | " + " | ".join(f"{name} (ms)" for name in names) + " | " +
          " | ".join(f"{name} / {names[0]}" for name in names[1:]) + " |")
    print("|---" * (2 * len(names)) + "|")
    ratios: dict[str, list[float]] = {name: [] for name in names[1:]}
    for path in ANALYSIS:
        times = {name: (None if path.name in LAKE_ONLY and name == names[0] else query_seconds(conn, path, repeat))
                 for name, conn in conns.items()}
        base = times[names[0]]
        for name in names[1:]:
            if base:
                ratios[name].append(times[name] / base)
        print(f"| {path.name} | " + " | ".join("(lake only)" if t is None else f"{t * 1000:.0f}" for t in times.values())
              + " | " + " | ".join(f"{times[name] / base:.2f}" if base else "" for name in names[1:]) + " |")
    for name, values in ratios.items():
        print(f"{name} / {names[0]}: median {statistics.median(values):.2f}, worst {max(values):.2f} (target <= 2)")
    return ratios


def files_row(label: str, files) -> str:
    return f"| {label} | {files.live_files} | {files.files_on_disk} | {files.snapshots} | {files.catalog_mb:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100, help="one-dataset sensor runs to simulate")
    parser.add_argument("--scale", type=int, default=100, help="copies of the store for the second query table")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="dynosaur-lake-bench-"))
    catalog = fill_lake(work)
    import duckdb

    from dynosaur_assets.lake import LakeSettings, checkpoint_lake, lake_files
    from dynosaur_assets.store import connect_store, open_lake, transaction

    lake = LakeSettings.from_settings(f"sqlite:{catalog}")
    old = work / "old.duckdb"
    copy_to_file(lake, old)
    print(f"1-min load {load:.2f}; {len(ANALYSIS)} queries, median of {args.repeat} on an open connection\n")
    open_file = open_seconds(lambda: duckdb.connect(str(old), read_only=True), args.repeat)
    open_lake_s = open_seconds(lambda: open_lake(lake, read_only=True), args.repeat)
    print(f"open read-only: single file {open_file * 1000:.0f} ms, lake (attach) {open_lake_s * 1000:.0f} ms\n")
    with open_lake(lake) as conn:
        files = {"after the embedded Hub's run (rows inlined)": lake_files(conn, lake)}
        dataset_id = "dyno-demo/product-reviews"
        rows = conn.execute("SELECT * FROM hub_samples WHERE dataset_id = ?", [dataset_id]).fetch_arrow_table().to_pylist()
    print(f"queries on the embedded Hub's store ({len(rows)} samples in {dataset_id}):")
    inlined = open_lake(lake, read_only=True)
    query_table({"single file": duckdb.connect(str(old), read_only=True), "lake, inlined": inlined}, args.repeat)
    with connect_store(old) as conn:
        file_write = write_seconds(conn, dataset_id, rows, 10)
    with open_lake(lake) as conn:
        lake_write = write_seconds(conn, dataset_id, rows, 10)
        for run in range(args.runs):
            one_run_writes(conn, dataset_id, f"bench/run-{run}")
        files[f"after {args.runs} one-dataset runs' writes"] = lake_files(conn, lake)
        started = time.perf_counter()
        checkpoint_lake(conn, "forever", "0 seconds")
        checkpoint_s = time.perf_counter() - started
        files[f"after lake_checkpoint, versions kept ({checkpoint_s:.1f} s)"] = lake_files(conn, lake)
        checkpoint_lake(conn, "0 seconds", "0 seconds")
        files["after lake_checkpoint, versions expired"] = lake_files(conn, lake)
    print(f"\nreplace one dataset's hub_samples ({dataset_id}): single file {file_write * 1000:.0f} ms, "
          f"lake {lake_write * 1000:.0f} ms ({lake_write / file_write:.1f}x)\n")
    print("| lake state | files the latest version reads | Parquet files on disk | snapshots | catalog MB |")
    print("|---|---|---|---|---|")
    for label, state in files.items():
        print(files_row(label, state))
    with open_lake(lake) as conn, transaction(conn):
        scale_up(conn, args.scale)
    with open_lake(lake) as conn:
        checkpoint_lake(conn, "0 seconds", "0 seconds")
        instances = conn.execute("SELECT count(*) FROM instruction_samples").fetchone()[0]
    old.unlink()
    copy_to_file(lake, old)
    print(f"\nqueries on {args.scale}x the store ({instances:,} instances), the lake checkpointed:")
    query_table({"single file": duckdb.connect(str(old), read_only=True),
                 "lake": open_lake(lake, read_only=True)}, args.repeat)
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
