"""Wall time of the whole pipeline on the embedded Hub (what `make run` does, install excluded) and
of adding one new dataset through the `new_hub_datasets` sensor, on a fresh store and a fresh
persistent (SQLite, on disk: like `make run`'s DAGSTER_HOME) Dagster instance; and the asset checks'
share of the first full run (issue 6).

    .venv/bin/python bench/pipeline_timing.py

The runs are `dynosaur_job` executed in process over every partition (the work of `make run`'s
backfill without the daemon), then `corpus_reports`, which the automation sensor follows up with;
the last row times `make run` itself (a subprocess with its own Dagster home and daemon) on the same
Hub, so the daemon's launch and settle overhead shows beside the work.

The checks' share is measured within one run:
- run wall: the job's `execute_in_process` (builds and executes the run);
- planning: the run's first event (run created, materializations planned) -> its first step;
- check steps (event log): STEP_START -> STEP_SUCCESS/FAILURE of the 8 check steps (one per table;
  the first one imports Great Expectations, ~4.5 s, in the run's process);
- check slots: the same plus Dagster's gap before each check step (the in-process executor runs one
  step after another, so slots tile the run from the first step on).
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK_SUFFIXES = ("_quality",)  # step keys of the quality checks: one `<table>_quality` step per table


def run_timing(instance, run_id: str, wall: float) -> dict[str, float]:
    """Seconds of one run from its event log: planning (first event -> first step), all steps, check
    steps and check slots; `first_event` is the run's first timestamp (epoch); `wall` as given."""
    events = [e for e in instance.all_logs(run_id) if e.dagster_event is not None]
    steps = sorted(instance.get_run_step_stats(run_id), key=lambda s: s.start_time)
    first = events[0].timestamp
    out = {"first_event": first, "wall": wall, "planning": steps[0].start_time - first, "steps": 0.0,
           "check_steps": 0.0, "check_slots": 0.0, "checks": 0}
    previous_end = steps[0].start_time
    for step in steps:
        seconds = step.end_time - step.start_time
        out["steps"] += seconds
        if step.step_key.endswith(CHECK_SUFFIXES):
            out["checks"] += 1
            out["check_steps"] += seconds
            out["check_slots"] += step.end_time - previous_end
        previous_end = step.end_time
    return out


def time_make_run(work: Path) -> float:
    """Seconds of `python -m dynosaur_assets.run` (what `make run` runs) on a fresh store and Dagster home."""
    home = work / "make_run_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DYNOSAUR_DB": str(work / "make_run.duckdb")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="dynosaur-bench-"))
    shutil.copytree(ROOT / "data" / "hub", work / "hub")
    (work / "dagster_home").mkdir()
    os.environ.update({"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(work / "hub"),
                       "DYNOSAUR_DB": str(work / "bench.duckdb"), "DYNOSAUR_DESIGNER": "rules"})
    started = time.perf_counter()
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.hub.sensors import new_hub_datasets
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.reports.assets import corpus_reports
    from dynosaur_assets.lake import settings_from_env
    from dynosaur_assets.run import list_the_hub

    def materialize(instance: dg.DagsterInstance, ids: list[str]) -> bool:
        job = defs.resolve_job_def("dynosaur")
        ran = job.execute_in_process(instance=instance, tags=partition_range_tags(ids[0], ids[-1]))
        reports = dg.materialize([corpus_reports], instance=instance, resources=defs.resources)
        return ran.success and reports.success

    imported = time.perf_counter()
    with dg.DagsterInstance.local_temp(str(work / "dagster_home")) as instance:
        ids = list_the_hub(instance, settings_from_env()).new
        registered = time.perf_counter()
        assert materialize(instance, ids)
        full = time.perf_counter()
        [first_run] = instance.get_runs(dg.RunsFilter(job_name="dynosaur"), limit=1)
        first = run_timing(instance, first_run.run_id, full - registered)
        assert materialize(instance, ids)
        warm = time.perf_counter()
        [second_run] = instance.get_runs(dg.RunsFilter(job_name="dynosaur"), limit=1)
        second = run_timing(instance, second_run.run_id, warm - full)
        shutil.copytree(work / "hub" / "dyno-demo/product-reviews", work / "hub" / "newcomer/reviews")
        assert defs.resolve_job_def("list_the_hub").execute_in_process(instance=instance).success
        with dg.build_sensor_context(instance=instance, resources=defs.resources, definitions=defs) as context:
            result = new_hub_datasets(context)
        [request] = result.run_requests
        instance.add_dynamic_partitions("hub_datasets", result.dynamic_partitions_requests[0].partition_keys)
        assert defs.resolve_job_def("dynosaur").execute_in_process(instance=instance, tags=request.tags).success
        added = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    make_run = time_make_run(work)
    rows = [
        ("import the definitions", imported - started),
        (f"first run, all {len(ids)} datasets (model load included)", full - imported),
        (f"second run, all {len(ids)} datasets (warm, embeddings cached)", warm - full),
        ("listing run + sensor tick + run for 1 new dataset", added - warm),
        (f"`make run` on a fresh store and Dagster home, all {len(ids) + 1} datasets (daemon, backfill, automation)",
         make_run),
    ]
    print("| step | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")
    print(f"| peak RSS (MB) | {peak_mb:.0f} |")
    print(f"| asset-check steps in the first run (Great Expectations' import included) | {first['check_steps']:.1f} |")
    print(f"\nnew dataset / full first run: {(added - warm) / (full - imported):.2f}x")

    wall = first["wall"]
    print(f"\nAsset checks ({first['checks']} check steps), from each run's event log:\n")
    print("| measure | first run (s) | share | second run, warm (s) | share |\n|---|---|---|---|---|")
    table = [
        ("run wall (`execute_in_process`)", first["wall"], second["wall"]),
        ("check steps (STEP_START -> STEP_SUCCESS)", first["check_steps"], second["check_steps"]),
        ("check slots (steps + Dagster's gap before each)", first["check_slots"], second["check_slots"]),
    ]
    for name, a, b in table:
        print(f"| {name} | {a:.2f} | {a / wall:.1%} | {b:.2f} | {b / second['wall']:.1%} |")
    print(f"\nplanning (first event -> first step) {first['planning']:.2f} s in the first run, "
          f"{second['planning']:.2f} s in the second")
    print(f"first run: check slots {first['check_slots'] / wall:.1%} of the run's wall (target <= 10%); "
          f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
