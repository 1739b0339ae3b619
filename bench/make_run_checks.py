"""The asset checks' share of a whole `make run` (the issue-6 target): `python -m dynosaur_assets.run`
in a subprocess over the embedded Hub with a fresh store and DAGSTER_HOME, timed end to end; the
check steps' time read from that run's Dagster event log; the Great Expectations import, which the run
pays in a background thread outside every check step, measured as the CPU time of the same import in
a separate process.

    cd bench && ../.venv/bin/python make_run_checks.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline_timing import run_timing

ROOT = Path(__file__).resolve().parent.parent
GX_IMPORT_CPU = "import time; t = time.process_time(); import great_expectations; print(time.process_time() - t)"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dynosaur-make-run-"))
    home = work / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DYNOSAUR_DB": str(work / "dynosaur.duckdb"),
           "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": "data/hub", "DYNOSAUR_DESIGNER": "rules"}
    load = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    gx_cpu = float(subprocess.run([sys.executable, "-c", GX_IMPORT_CPU], capture_output=True, text=True,
                                  check=True).stdout.split()[-1])
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        runs = [run_timing(instance, record.dagster_run.run_id, wall) for record in instance.get_run_records()]
    slots = sum(t["check_slots"] for t in runs)
    steps = sum(t["check_steps"] for t in runs)
    print(f"1-minute load before: {load:.2f}; runs: {len(runs)}; check steps: {sum(t['checks'] for t in runs)}\n")
    print("| measure | seconds | share of `make run` |\n|---|---|---|")
    for name, seconds in [("`make run` wall (process start to summary)", wall),
                          ("check steps (event log)", steps),
                          ("check slots (steps + Dagster's gap before each)", slots),
                          ("GX import, CPU (separate process)", gx_cpu),
                          ("checks' cost: slots + GX import", slots + gx_cpu)]:
        print(f"| {name} | {seconds:.2f} | {seconds / wall:.1%} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
