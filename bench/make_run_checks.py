"""The asset checks' share of a whole `make run` (the issue-6 target), over the embedded Hub with a
fresh store and DAGSTER_HOME, in a subprocess timed end to end.

The subprocess runs `dynosaur_assets.run.main()` (what `make run`'s `python -m dynosaur_assets.run`
runs), then stops the Great Expectations worker and reports its own CPU time and the worker's (the
only child process it waited for). Check steps come from that run's Dagster event log.

The checks cost the run:
- their steps, in the run's process (check slots: each step plus Dagster's gap before it);
- the worker process: GX's import and the validations. It starts with the run and runs on the other
  core, so its CPU time is not added to the run's wall time; its column shows how much there is.

    cd bench && ../.venv/bin/python make_run_checks.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline_timing import run_timing

ROOT = Path(__file__).resolve().parent.parent
MAKE_RUN = """
import json, resource, sys
from dynosaur_assets import run
from dynosaur_assets.quality.worker import validation_worker
code = run.main([])
worker = validation_worker()
warm_up = dict(worker.warm_up)
worker.stop()
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
report = {"code": code, "run_cpu": own.ru_utime + own.ru_stime, "worker_cpu": children.ru_utime + children.ru_stime,
          "worker_warm_up_cpu": warm_up.get("cpu_s", float("nan"))}
open(sys.argv[1], "w").write(json.dumps(report))
"""


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dynosaur-make-run-"))
    home = work / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DYNOSAUR_DB": str(work / "dynosaur.duckdb"),
           "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": "data/hub", "DYNOSAUR_DESIGNER": "rules"}
    load = os.getloadavg()[0]
    report_path = work / "report.json"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", MAKE_RUN, str(report_path)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    report = json.loads(report_path.read_text())
    assert report["code"] == 0, report
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        runs = [run_timing(instance, record.dagster_run.run_id, wall) for record in instance.get_run_records()]
    slots = sum(t["check_slots"] for t in runs)
    steps = sum(t["check_steps"] for t in runs)
    print(f"1-minute load before: {load:.2f}, after: {os.getloadavg()[0]:.2f}; runs: {len(runs)}; "
          f"check steps: {sum(t['checks'] for t in runs)}\n")
    print("| measure | seconds | share of `make run` wall |\n|---|---|---|")
    for name, seconds in [("`make run` wall (process start to summary)", wall),
                          ("run process CPU", report["run_cpu"]),
                          ("check steps (event log)", steps),
                          ("check slots (steps + Dagster's gap before each)", slots),
                          ("GX worker CPU, other core (import + suites)", report["worker_warm_up_cpu"]),
                          ("GX worker CPU, other core (all: import, suites, validations)", report["worker_cpu"])]:
        print(f"| {name} | {seconds:.2f} | {seconds / wall:.1%} |")
    print(f"\nchecks' share of `make run`: {slots / wall:.1%} of its wall time (target <= 10%)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
