"""Whole `make run`s over the embedded Hub, timed end to end, and the asset checks' share of each.

Each round runs `python -m dynosaur_assets.run` (what `make run` runs) once in each given project
directory (default: this checkout), in turn, so that the machine's load falls on each alike; every run
gets a fresh store and DAGSTER_HOME, the rule-based designer and the embedded Hub of its directory.
Per run: wall time (process start to exit, summary included), CPU time of the run's process and of
the processes it waited for, and the check steps from its Dagster event log (`pipeline_timing.py`).

    cd bench && ../.venv/bin/python make_run_checks.py [--rounds 3] [PROJECT_DIR ...]
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline_timing import run_timing

ROOT = Path(__file__).resolve().parent.parent


def make_run(project: Path) -> dict[str, float]:
    """One `make run` in `project`, on a fresh store and DAGSTER_HOME; its figures in seconds."""
    work = Path(tempfile.mkdtemp(prefix="dynosaur-make-run-"))
    home = work / "dagster_home"
    home.mkdir()
    settings = [project / name for name in ("dagster_instance.yaml", "dagster.yaml") if (project / name).exists()]
    shutil.copy(settings[0], home / "dagster.yaml")  # dagster.yaml in checkouts before issue 12
    env = {**os.environ, "DAGSTER_HOME": str(home), "DYNOSAUR_DB": str(work / "dynosaur.duckdb"),
           "DYNOSAUR_CATALOG": f"sqlite:{work / 'catalog.sqlite'}",  # the lake (issue 13); older checkouts ignore it
           "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": "data/hub", "DYNOSAUR_DESIGNER": "rules"}
    load = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        runs = [run_timing(instance, record.dagster_run.run_id, wall) for record in instance.get_run_records()]
    shutil.rmtree(work)
    return {"wall": wall, "cpu": cpu, "load": load, "runs": len(runs), "checks": sum(t["checks"] for t in runs),
            "check_steps": sum(t["check_steps"] for t in runs), "check_slots": sum(t["check_slots"] for t in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("projects", nargs="*", type=Path, default=[ROOT], help="project directories to compare")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each project, alternating")
    args = parser.parse_args()
    projects = [project.resolve() for project in args.projects]
    results: dict[Path, list[dict[str, float]]] = {project: [] for project in projects}
    print("| round | project | 1-min load before | `make run` wall (s) | CPU, run + children (s) "
          "| Dagster runs | check steps | check steps (s) | check slots (s) | slots / wall |\n|---|---|---|---|---|---|---|---|---|---|")
    for round_number in range(1, args.rounds + 1):
        for project in projects:
            r = make_run(project)
            results[project].append(r)
            print(f"| {round_number} | {project.name} | {r['load']:.2f} | {r['wall']:.2f} | {r['cpu']:.2f} "
                  f"| {r['runs']} | {r['checks']} | {r['check_steps']:.2f} | {r['check_slots']:.2f} "
                  f"| {r['check_slots'] / r['wall']:.1%} |", flush=True)
    print("\n| project | runs | wall, median (s) | wall, min–max (s) | CPU, median (s) |\n|---|---|---|---|---|")
    for project, runs in results.items():
        walls = [r["wall"] for r in runs]
        print(f"| {project.name} | {len(runs)} | {statistics.median(walls):.2f} | {min(walls):.2f}–{max(walls):.2f} "
              f"| {statistics.median(r['cpu'] for r in runs):.2f} |")


if __name__ == "__main__":
    main()
