"""What a run for one dataset pays for the size of the store (issue 14), on stores of N datasets built
side by side in one process: reads of one dataset's rows while the rows are inlined in the catalog and
once they are flushed to Parquet (what the end of a backfill's run now does,
`lake.flush_inlined_rows`), then new datasets' runs of the `dynosaur` job, alternating between the
stores, round by round (so the machine's load falls on each alike).

    .venv/bin/python bench/partition_reads.py [--n 20 2000] [--rounds 3]

Each store is built in bulk, not by a backfill (a backfill of 2,000 takes over an hour here): the
dynosaur job runs once over the embedded Hub (rule designer), then dataset k of N is a copy of
embedded dataset k mod 19's rows in every partitioned table (embeddings excepted: the copies'
instructions are already embedded), written as a backfill writes them, one transaction per dataset
(so the rows are inlined as a backfill leaves them), and registered as a partition; then the inlined
rows are flushed, as the backfill's run does when it ends. Dagster's event log holds no
materializations of the copies. Reads: `SELECT *` of one copy's rows of each of the six tables with
the steps' filter `dataset_id IN (SELECT unnest(?))`, best of 3, summed. A new dataset is a synthetic
one (bench/synthetic_hub.py): write it into the store's Hub, add its partition, run the job for it
(the run the `new_hub_datasets` sensor requests) until its embeddings are written; the sensor's
listing is not included.
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
sys.path.insert(0, str(ROOT / "bench"))

from scale_backfill import configure, register_every_dataset  # noqa: E402
from synthetic_hub import write_synthetic_hub  # noqa: E402

TABLES = ("hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections", "instruction_samples")
READ = "SELECT * FROM {table} WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))"


def best_seconds(conn, sql: str, params: list | None, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def read_ms(conn, dataset_id: str) -> float:
    """Milliseconds to read one dataset's rows of every table, summed over the tables."""
    return sum(best_seconds(conn, READ.format(table=t), [[dataset_id]]) for t in TABLES) * 1000


def build_store(work: Path, n: int) -> dict:
    """A store of `n` datasets under `work` (seed run, bulk copies, flush); its figures and instance."""
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    configure(work)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.lake import flush_inlined_rows, settings_from_env
    from dynosaur_assets.store import open_lake, replace_partition

    seed_ids = register_every_dataset(instance)
    assert defs.resolve_job_def("dynosaur").execute_in_process(
        instance=instance, run_config=design_run_config(), tags=partition_range_tags(seed_ids[0], seed_ids[-1])).success
    started = time.perf_counter()
    with open_lake(settings_from_env()) as conn:
        seed = {dataset_id: {} for dataset_id in seed_ids}
        for dataset_id in seed_ids:
            for table in TABLES:
                relation = conn.execute(f"SELECT * FROM {table} WHERE dataset_id = ?", [dataset_id])
                columns = [d[0] for d in relation.description]
                seed[dataset_id][table] = [dict(zip(columns, values)) for values in relation.fetchall()]
        copies = []
        for k in range(n - len(seed_ids)):
            source = seed_ids[k % len(seed_ids)]
            copy = f"bulk-{k // 100:03d}/{source.split('/')[-1]}-{k:05d}"
            replace_partition(conn, copy, {t: [{**row, "dataset_id": copy} for row in rows]
                                           for t, rows in seed[source].items()})
            copies.append(copy)
        instance.add_dynamic_partitions("hub_datasets", copies)
        build = time.perf_counter() - started
        probe = copies[-1] if copies else seed_ids[-1]
        inlined = read_ms(conn, probe)
        started = time.perf_counter()
        flush_inlined_rows(conn)
        flush = time.perf_counter() - started
        flushed = read_ms(conn, probe)
        total = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    return {"n": n, "work": work, "instance": instance, "rows": total, "build": build, "inlined": inlined,
            "flush": flush, "flushed": flushed, "runs": []}


def new_dataset_run(store: dict, index: int) -> float:
    """Seconds from adding a new dataset's partition to the end of its run (embeddings written)."""
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config
    from dynosaur_assets.jobs import partition_range_tags

    configure(store["work"])
    instance = store["instance"]
    [dataset_id] = write_synthetic_hub(1, store["work"] / "hub", seed=0, first=index)
    started = time.perf_counter()
    instance.add_dynamic_partitions("hub_datasets", [dataset_id])
    result = defs.resolve_job_def("dynosaur").execute_in_process(
        instance=instance, run_config=design_run_config(), tags=partition_range_tags(dataset_id, dataset_id))
    assert result.success and result.asset_materializations_for_node("instruction_embeddings")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dynosaur-reads-"))
    load = os.getloadavg()[0]
    stores = [build_store(scratch / f"n{n}", n) for n in args.n]
    for round_number in range(args.rounds):
        for store in stores:
            store["runs"].append(new_dataset_run(store, round_number))
    base = statistics.median(stores[0]["runs"])
    print(f"1-min load {load:.2f} before, {os.getloadavg()[0]:.2f} after\n")
    print("| N | store rows | build (s) | one dataset's reads, rows inlined (ms) | flush (s) | the same reads, "
          "flushed (ms) | new dataset runs (s) | median (s) | / N = " + f"{args.n[0]} |\n|---|---|---|---|---|---|---|---|---|")
    for s in stores:
        new = statistics.median(s["runs"])
        print(f"| {s['n']} | {s['rows']} | {s['build']:.0f} | {s['inlined']:.0f} | {s['flush']:.1f} | {s['flushed']:.0f} "
              f"| {', '.join(f'{r:.2f}' for r in s['runs'])} | {new:.2f} | {new / base:.2f}x |")
    for s in stores:
        s["instance"].dispose()
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
