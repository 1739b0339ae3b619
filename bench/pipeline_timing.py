"""Wall time of the whole pipeline on the embedded Hub (what `make run` does, install excluded) and
of adding one new dataset through the `new_hub_datasets` sensor, on a fresh store and instance.

    .venv/bin/python bench/pipeline_timing.py
"""

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_share(instance) -> tuple[float, float]:
    """Seconds spent in asset-check steps and in all steps of the latest run."""
    [run] = instance.get_runs(limit=1)
    stats = instance.get_run_step_stats(run.run_id)
    seconds = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in stats}
    checks = sum(v for k, v in seconds.items() if k.endswith(("_errors", "_warnings")))
    return checks, sum(seconds.values())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dynosaur-bench-"))
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    os.environ.update({"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(work / "hub"),
                       "DYNOSAUR_DB": str(work / "bench.duckdb"), "DYNOSAUR_DESIGNER": "rules"})
    started = time.perf_counter()
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.hub.sensors import new_hub_datasets
    from dynosaur_assets.run import materialize, register_partitions

    imported = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        ids = register_partitions(instance)
        assert materialize(instance, ids)
        full = time.perf_counter()
        check_s, steps_s = check_share(instance)
        assert materialize(instance, ids)
        warm = time.perf_counter()
        shutil.copytree(work / "hub" / "dyno-demo/product-reviews", work / "hub" / "newcomer/reviews")
        with dg.build_sensor_context(instance=instance, resources=defs.resources) as context:
            result = new_hub_datasets(context)
        [request] = result.run_requests
        instance.add_dynamic_partitions("hub_datasets", result.dynamic_partitions_requests[0].partition_keys)
        assert defs.resolve_job_def("dynosaur").execute_in_process(instance=instance, tags=request.tags).success
        added = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("import the definitions", imported - started),
        (f"first run, all {len(ids)} datasets (model load included)", full - imported),
        (f"second run, all {len(ids)} datasets (warm, embeddings cached)", warm - full),
        ("sensor tick + run for 1 new dataset", added - warm),
    ]
    print("| step | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")
    print(f"| peak RSS (MB) | {peak_mb:.0f} |")
    print(f"| asset-check steps in the first run (GX import included) | {check_s:.1f} |")
    print(f"\nnew dataset / full first run: {(added - warm) / (full - imported):.2f}x")
    print(f"asset checks / all steps of the first run: {check_s / steps_s:.0%}; "
          f"/ first run wall: {check_s / (full - imported):.0%} (target <= 10%)")
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
