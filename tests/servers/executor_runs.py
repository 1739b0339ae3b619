"""Runs of the `dynosaur` job with each executor of DYNOSAUR_EXECUTOR (dynosaur_assets/executors.py), as
a deployment runs them: a Dagster instance on Postgres (dagster_instance.postgres.yaml), a lake with a
Postgres catalog, one run over a range of partitions launched with `dg launch` (what a single-run
backfill executes), and for `dask` a scheduler and worker processes on 127.0.0.1."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dynosaur_assets.launch import stop_process
from servers.postgres_server import sqlalchemy_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def deployment_env(root: Path, dagster_dsn: str, hub_dir: Path) -> dict[str, str]:
    """The environment every process of the deployment shares: DAGSTER_HOME under `root` with the
    Postgres instance settings on the database of `dagster_dsn`, the local Hub, the rule designer."""
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_instance.postgres.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_POSTGRES_URL": sqlalchemy_url(dagster_dsn),
            "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(hub_dir), "DYNOSAUR_DESIGNER": "rules",
            "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}


def store_env(env: dict[str, str], lake_dsn: str, data_path: Path, executor: str,
              dask_scheduler: str = "") -> dict[str, str]:
    """`env` with a lake (Postgres catalog `lake_dsn`, Parquet under `data_path`) and an executor."""
    return {**env, "DYNOSAUR_CATALOG": f"postgres:{lake_dsn}", "DYNOSAUR_DATA_PATH": str(data_path),
            "DYNOSAUR_EXECUTOR": executor, "DYNOSAUR_DASK_SCHEDULER": dask_scheduler}


def register_partitions(env: dict[str, str], dataset_ids: list[str]) -> None:
    """Add the ids (in this order) as `hub_datasets` partitions of the instance of `env`."""
    script = ("import sys, dagster as dg\nwith dg.DagsterInstance.get() as instance:\n"
              "    instance.add_dynamic_partitions('hub_datasets', sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", script, *dataset_ids], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])


@dataclass
class Launched:
    """One `dg launch` of the job: its exit code, wall time and output."""

    returncode: int
    seconds: float
    output: str


def launch_process(env: dict[str, str], dataset_ids: list[str]) -> subprocess.Popen:
    """Start one run of the `dynosaur` job over the partitions first..last of `dataset_ids`."""
    command = [str(BIN / "dg"), "launch", "--job", "dynosaur", "--partition-range",
               f"{dataset_ids[0]}...{dataset_ids[-1]}", "-m", "dynosaur_assets.definitions"]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def launch_run(env: dict[str, str], dataset_ids: list[str], timeout_s: float = 900) -> Launched:
    """One run of the `dynosaur` job over the partitions of `dataset_ids`, to its end."""
    started = time.perf_counter()
    process = launch_process(env, dataset_ids)
    output, _ = process.communicate(timeout=timeout_s)
    return Launched(process.returncode, time.perf_counter() - started, output)


@dataclass
class DaskCluster:
    """A running Dask scheduler and its workers (each a `dask worker` process with its nanny)."""

    address: str
    processes: list[subprocess.Popen]

    def worker_pids(self) -> set[int]:
        """The process ids that execute tasks."""
        from dask.distributed import Client

        with Client(self.address, timeout=30) as client:
            return set(client.run(os.getpid).values())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_dask(env: dict[str, str], workers: int = 2, log_dir: Path | None = None) -> Iterator[DaskCluster]:
    """A Dask scheduler and `workers` single-threaded workers on 127.0.0.1, with `env` (the workers load
    the definitions with it); stopped, workers first, after the block."""
    from dask.distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**env, "DYNOSAUR_DASK_SCHEDULER": address}

    def output(name: str):
        return open(log_dir / f"{name}.log", "w") if log_dir else subprocess.DEVNULL

    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                   address.rsplit(":", 1)[1], "--no-dashboard"],
                                  cwd=PROJECT_ROOT, env=env, stdout=output("scheduler"), stderr=subprocess.STDOUT)]
    try:
        processes += [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                                        "--no-dashboard", "--name", f"worker-{i}"],
                                       cwd=PROJECT_ROOT, env=env, stdout=output(f"worker-{i}"), stderr=subprocess.STDOUT)
                      for i in range(workers)]
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=180)
        yield DaskCluster(address, processes)
    finally:
        for process in reversed(processes):
            stop_process(process)
