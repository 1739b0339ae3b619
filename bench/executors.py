"""A backfill of the `dynosaur` job over a local Hub with each executor (issue 14): in process,
multiprocess, and on a Dask cluster of `--workers` single-threaded workers on 127.0.0.1; the rule
designer; each run into a fresh lake with a Postgres catalog, the Dagster instance on Postgres too
(dagster_instance.postgres.yaml), one Postgres cluster for all (tests/servers/postgres_server.py).
Prints the wall time of the run (`dg launch` of every partition in one run, as a single-run backfill
executes it; the Dask cluster is started before and timed apart), the peak memory summed over the run's
processes (and the Dask scheduler and workers), and the ratio to the in-process run.

    .venv/bin/python bench/executors.py [--hub-dir data/hub] [--executors in_process multiprocess dask] [--workers 2]

RSS summed counts pages that forked processes share once per process; PSS divides each shared page
among its sharers, so its sum is the memory the processes really hold.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers.executor_runs import (  # noqa: E402
    deployment_env, launch_process, register_partitions, serve_dask, store_env)
from servers.postgres_server import create_databases, serve_postgres  # noqa: E402

from dynosaur_assets.lake import LakeSettings  # noqa: E402
from dynosaur_assets.paths import project_path  # noqa: E402
from dynosaur_assets.store import open_lake  # noqa: E402

SAMPLE_S = 0.5


class MemorySampler(threading.Thread):
    """The peak RSS and PSS summed over some processes and their descendants, sampled every SAMPLE_S."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.peak_rss, self.peak_pss, self.seen = roots, 0, 0, set()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            rss = pss = 0
            for process in self._processes():
                try:
                    memory = process.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss, pss = rss + memory.rss, pss + memory.pss
                self.seen.add(process.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def _processes(self) -> list[psutil.Process]:
        found = []
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                found += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found


def timed_run(env: dict[str, str], dataset_ids: list[str], extra_pids: list[int]) -> dict:
    """One run of the job over every dataset; wall time and peak memory."""
    started = time.perf_counter()
    process = launch_process(env, dataset_ids)
    sampler = MemorySampler([process.pid, *extra_pids])
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(output[-4000:])
    return {"seconds": seconds, "rss_mb": sampler.peak_rss / 2**20, "pss_mb": sampler.peak_pss / 2**20,
            "processes": len(sampler.seen)}


def instances(dsn: str, data_path: str) -> int:
    with open_lake(LakeSettings.from_settings(f"postgres:{dsn}", data_path), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM instruction_samples").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub-dir", default="data/hub", help="a local Hub directory (relative: to the project)")
    parser.add_argument("--executors", nargs="+", default=["in_process", "multiprocess", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    hub = project_path(args.hub_dir)
    dataset_ids = sorted(p.parent.relative_to(hub).as_posix() for p in hub.glob("*/*/README.md"))
    root = Path(tempfile.mkdtemp(prefix="dynosaur-executors-"))
    print(f"{len(dataset_ids)} datasets in {hub}; {os.cpu_count()} cores, 1-min load {os.getloadavg()[0]:.2f}\n")
    rows = []
    with serve_postgres("dagster") as dagster_dsn:
        lakes = create_databases(dagster_dsn, [f"lake_{executor}" for executor in args.executors])
        env = deployment_env(root, dagster_dsn, hub)
        register_partitions(env, dataset_ids)
        for executor, dsn in zip(args.executors, lakes):
            data_path = str(root / f"lake_{executor}")
            if executor == "dask":
                started = time.perf_counter()
                with serve_dask(store_env(env, dsn, data_path, executor), workers=args.workers) as cluster:
                    start_s = time.perf_counter() - started
                    result = timed_run(store_env(env, dsn, data_path, executor, cluster.address), dataset_ids,
                                       [process.pid for process in cluster.processes])
                result["note"] = f"{args.workers} workers, cluster started in {start_s:.1f} s (not counted)"
            else:
                result = timed_run(store_env(env, dsn, data_path, executor), dataset_ids, [])
                result["note"] = ""
            result["instances"] = instances(dsn, data_path)
            rows.append((executor, result))
            print(f"{executor}: {result['seconds']:.1f} s", file=sys.stderr, flush=True)
    base = rows[0][1]["seconds"]
    print("| executor | wall s | ratio | peak RSS summed, MB | peak PSS summed, MB | processes | instances | note |")
    print("|---|---|---|---|---|---|---|---|")
    for executor, r in rows:
        print(f"| {executor} | {r['seconds']:.1f} | {r['seconds'] / base:.2f} | {r['rss_mb']:.0f} | {r['pss_mb']:.0f} "
              f"| {r['processes']} | {r['instances']} | {r['note']} |")
    print(f"\n1-min load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
