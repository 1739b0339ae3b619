"""What a run for one dataset pays for the size of the store (issue 14): reads of one dataset's rows,
with a list parameter (how the steps read before `store.values_in`) and with literal IN lists (now),
and one new dataset's run of the `dynosaur` job, on stores of N datasets, N growing in one process.

    .venv/bin/python bench/partition_reads.py [--n 20 500 2000] [--new 3]

The store is built in bulk, not by a backfill (a backfill of 2,000 takes over an hour here): the
dynosaur job runs once over the embedded Hub (rule designer), then dataset k of N is a copy of
embedded dataset k mod 19's rows in every partitioned table (embeddings excepted: the copies' instructions are
already embedded), written as a backfill writes them, one transaction per dataset (so the lake's
layout, inlined rows, is a backfill's), and registered as a partition. Dagster's event log holds no
materializations of the copies. Each new dataset is a synthetic one (bench/synthetic_hub.py): write it,
add its partition, run the job for it (the run the sensor requests) until its embeddings are written.
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

from scale_backfill import configure  # noqa: E402
from synthetic_hub import write_synthetic_hub  # noqa: E402

TABLES = ("hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections", "instruction_samples")
READS = {
    "IN (SELECT unnest(?))": "SELECT * FROM {table} WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))",
    "list_contains(?, dataset_id)": "SELECT * FROM {table} WHERE list_contains(?, dataset_id)",
}


def best_seconds(conn, sql: str, params: list | None, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def read_costs(conn, dataset_id: str) -> dict[str, float]:
    """Milliseconds to read one dataset's rows of every table, summed over the tables, per form."""
    from dynosaur_assets.store import values_in

    costs = {name: sum(best_seconds(conn, sql.format(table=t), [[dataset_id]]) for t in TABLES) * 1000
             for name, sql in READS.items()}
    costs["values_in (literal IN)"] = sum(
        best_seconds(conn, f"SELECT * FROM {t} WHERE {values_in([dataset_id])}", None) for t in TABLES) * 1000
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[20, 500, 2000])
    parser.add_argument("--new", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dynosaur-reads-"))
    configure(work)
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.lake import settings_from_env
    from dynosaur_assets.run import register_partitions
    from dynosaur_assets.store import open_lake, replace_partition

    job, run_config = defs.resolve_job_def("dynosaur"), design_run_config()
    load = os.getloadavg()[0]
    print("| N | store rows | one dataset's reads, 6 tables: " + " (ms) | ".join(READS) + " (ms) | values_in (ms) "
          "| build (s) | new dataset, median (s) | new / new at first N |\n|---|---|---|---|---|---|---|---|", flush=True)
    with dg.DagsterInstance.get() as instance:
        seed_ids = register_partitions(instance)
        assert job.execute_in_process(instance=instance, run_config=run_config,
                                      tags=partition_range_tags(seed_ids[0], seed_ids[-1])).success
        conn = open_lake(settings_from_env())
        seed = {}
        for dataset_id in seed_ids:
            seed[dataset_id] = {}
            for table in TABLES:
                relation = conn.execute(f"SELECT * FROM {table} WHERE dataset_id = ?", [dataset_id])
                columns = [d[0] for d in relation.description]
                seed[dataset_id][table] = [dict(zip(columns, values)) for values in relation.fetchall()]
        built, base, extra = 0, None, 0
        for n in args.n:
            started = time.perf_counter()
            copies = []
            for k in range(built, n):
                source = seed_ids[k % len(seed_ids)]
                copy = f"bulk-{k // 100:03d}/{source.split('/')[-1]}-{k:05d}"
                replace_partition(conn, copy, {t: [{**row, "dataset_id": copy} for row in rows]
                                               for t, rows in seed[source].items()})
                copies.append(copy)
            instance.add_dynamic_partitions("hub_datasets", copies)
            build, built = time.perf_counter() - started, n
            rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
            costs = read_costs(conn, copies[-1] if copies else seed_ids[0])
            conn.close()
            runs = []
            for _ in range(args.new):
                [dataset_id] = write_synthetic_hub(1, work / "hub", seed=0, first=extra)
                extra += 1
                started = time.perf_counter()
                instance.add_dynamic_partitions("hub_datasets", [dataset_id])
                result = job.execute_in_process(instance=instance, run_config=run_config,
                                                tags=partition_range_tags(dataset_id, dataset_id))
                assert result.success and result.asset_materializations_for_node("instruction_embeddings")
                runs.append(time.perf_counter() - started)
            new = statistics.median(runs)
            base = base or new
            print(f"| {n} | {rows} | " + " | ".join(f"{v:.0f}" for v in costs.values())
                  + f" | {build:.0f} | {new:.2f} | {new / base:.2f}x |", flush=True)
            conn = open_lake(settings_from_env())
    conn.close()
    print(f"\n1-min load {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
