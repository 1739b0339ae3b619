"""Peak RSS of the curation/rendering stage (dynosaur_assets/curate/, the `curation` multi-asset)
rendering about `--instances` instances (issue 14's target: 800,000 under 2 GB).

    .venv/bin/python bench/render_memory.py [--instances 800000]

Synthetic input, written in bulk: the embedded Hub is ingested and designed (rule designer) into a
fresh lake, then K synthetic datasets `render-<k>` are written in one transaction per table, each
holding every config of every embedded dataset (config `<id>/<config>`: the same sample rows and
designs), K = ceil(instances / the instances the embedded Hub renders). A fresh process then
materializes only the `curation` asset (no checks) over the K partitions in one run, as a backfill does,
and reports its wall time and ru_maxrss, beside the RSS of the same process before the run.
"""

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scale_backfill import configure, register_every_dataset  # noqa: E402

UPSTREAM = ("hub_datasets", "hub_samples", "task_designs")


def seed_and_copy(work: Path, instances: int) -> dict:
    """Ingest, design and curate the embedded Hub; write K copies of its upstream rows; return K, ids."""
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    import dagster as dg

    from dynosaur_assets.curate.assets import curation
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config, task_designs
    from dynosaur_assets.hub.assets import hub_ingestion
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.lake import settings_from_env
    from dynosaur_assets.store import open_lake, transaction

    with dg.DagsterInstance.get() as instance:
        ids = register_every_dataset(instance)
        assert dg.materialize([hub_ingestion, task_designs, curation], instance=instance, resources=defs.resources,
                              run_config=design_run_config(), tags=partition_range_tags(ids[0], ids[-1])).success
        with open_lake(settings_from_env()) as conn:
            seed = conn.execute("SELECT count(*) FROM instruction_samples").fetchone()[0]
            configs = conn.execute("SELECT count(*) FROM hub_datasets").fetchone()[0]
            copies = math.ceil(instances / seed)
            new_ids = [f"render-{k:04d}" for k in range(copies)]
            for table in UPSTREAM:
                with transaction(conn, f"{copies} synthetic copies of {table}"):
                    conn.execute(f"""
                        INSERT INTO {table} SELECT t.* REPLACE (copy AS dataset_id,
                            t.dataset_id || '/' || t.config AS config, copy || '-' || t.task_name AS task_name)
                        FROM {table} t, (SELECT unnest(?::VARCHAR[]) AS copy)""", [new_ids])
        instance.add_dynamic_partitions("hub_datasets", new_ids)
    return {"seed_instances": seed, "configs": configs, "copies": copies, "ids": new_ids}


def render(ids: list[str]) -> dict:
    """Materialize only `curation` over the partitions; wall time and peak RSS of this process."""
    import dagster as dg

    from dynosaur_assets.curate.assets import curation
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.lake import settings_from_env
    from dynosaur_assets.store import open_lake

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        assert dg.materialize([curation], instance=instance, resources=defs.resources,
                              tags=partition_range_tags(ids[0], ids[-1])).success
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open_lake(settings_from_env(), read_only=True) as conn:
        rendered = conn.execute("SELECT count(*) FROM instruction_samples WHERE dataset_id LIKE 'render-%'").fetchone()[0]
    return {"seconds": seconds, "rss_before_mb": before, "rss_mb": peak, "instances": rendered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=800_000)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        configure(args.work)
        print("RESULT " + json.dumps(render(json.loads((args.work / "ids.json").read_text()))))
        return
    work = Path(tempfile.mkdtemp(prefix="dynosaur-render-"))
    configure(work)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    seeded = seed_and_copy(work, args.instances)
    prepared = time.perf_counter() - started
    (work / "ids.json").write_text(json.dumps(seeded["ids"]))
    done = subprocess.run([sys.executable, __file__, "--render", "--work", str(work)], capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"the curation run failed:\n{done.stderr[-3000:]}")
    r = json.loads(line[7:])
    print(f"1-min load {load:.2f} before, {os.getloadavg()[0]:.2f} after; input written in {prepared:.0f} s\n")
    print("| instances rendered | datasets (partitions) | configs each | instances / embedded Hub | curation run (s) "
          "| RSS before the run (MB) | peak RSS (MB) |\n|---|---|---|---|---|---|---|")
    print(f"| {r['instances']} | {seeded['copies']} | {seeded['configs']} | {seeded['seed_instances']} | {r['seconds']:.1f} "
          f"| {r['rss_before_mb']:.0f} | {r['rss_mb']:.0f} |")
    print(f"\npeak RSS {r['rss_mb'] / 1024:.2f} GB (target < 2 GB)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
