"""Steps in many processes (issue 14): the `dynosaur` job run in process, with the multiprocess executor
and on a Dask cluster (a scheduler and two worker processes on 127.0.0.1), each into a lake of its own
on one Postgres cluster (the Dagster instance there too, dagster_instance.postgres.yaml), writes the
same tables row for row. A SQLite catalog refuses the executors that write from several processes."""

import re

import dagster as dg
import pytest

from locations import EMBEDDED_HUB, PROJECT_ROOT
from servers.executor_runs import deployment_env, launch_run, register_partitions, serve_dask, store_env
from servers.postgres_server import create_databases, serve_postgres

from dynosaur_assets.executors import ExecutorConfigError, select_executor
from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.store import open_lake

# Three datasets of the embedded Hub: two configs, ClassLabels, a dropped card. A run has twelve steps
# (each a process or a Dask task) whatever the number of datasets; more datasets would add time on two
# cores without exercising anything else.
DATASETS = ["acme-nlp/avis-restaurants-fr", "acme-nlp/support-desk", "dyno-demo/product-reviews"]
# The only columns that differ between two runs of the same datasets: when a row was written, and by
# which run (llm_calls is empty with the rule designer; its timing columns are excluded all the same).
VARYING = {"hub_datasets": ["ingested_at"], "instruction_embeddings": ["created_at"], "task_reviews": ["reviewed_at"],
           "llm_calls": ["created_at", "latency_s"], "quality_results": ["run_id", "checked_at"]}
TABLES = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", (PROJECT_ROOT / "sql" / "schema.sql").read_text())


def lake_rows(dsn: str, data_path: str) -> dict[str, list[tuple]]:
    """Every table of sql/schema.sql, without its VARYING columns, rows sorted."""
    with open_lake(LakeSettings.from_settings(f"postgres:{dsn}", data_path), read_only=True) as conn:
        rows = {}
        for table in TABLES:
            exclude = f" EXCLUDE ({', '.join(VARYING[table])})" if table in VARYING else ""
            rows[table] = conn.execute(f"SELECT *{exclude} FROM {table} ORDER BY ALL").fetchall()
        return rows


def run_processes(run_id: str) -> tuple[int, set[int]]:
    """The process that ran the run and those that executed its steps (from the instance's event log)."""
    with dg.DagsterInstance.get() as instance:
        pids = lambda kind: {record.event_log_entry.dagster_event.pid for record in  # noqa: E731
                             instance.get_records_for_run(run_id, of_type=kind).records}
        (run_pid,) = pids(dg.DagsterEventType.RUN_START)
        return run_pid, pids(dg.DagsterEventType.STEP_START)


def run_id_of(output: str) -> str:
    return re.search(r"dynosaur - ([0-9a-f-]{36}) - ", output).group(1)


def test_each_executor_writes_the_same_tables(tmp_path, monkeypatch):
    with serve_postgres("dagster") as dagster_dsn:
        lakes = dict(zip(("in_process", "multiprocess", "dask"),
                         create_databases(dagster_dsn, ["lake_in_process", "lake_multiprocess", "lake_dask"])))
        env = deployment_env(tmp_path, dagster_dsn, EMBEDDED_HUB)
        monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
        monkeypatch.setenv("DAGSTER_POSTGRES_URL", env["DAGSTER_POSTGRES_URL"])
        register_partitions(env, DATASETS)
        tables, pids = {}, {}
        for executor, dsn in lakes.items():
            data_path = str(tmp_path / f"lake_{executor}")
            if executor == "dask":
                with serve_dask(store_env(env, dsn, data_path, executor), workers=2, log_dir=tmp_path) as cluster:
                    run = launch_run(store_env(env, dsn, data_path, executor, cluster.address), DATASETS)
                    workers = cluster.worker_pids()
            else:
                run = launch_run(store_env(env, dsn, data_path, executor), DATASETS)
            assert run.returncode == 0, run.output[-4000:]
            print(f"{executor}: {run.seconds:.1f} s")
            tables[executor] = lake_rows(dsn, data_path)
            pids[executor] = run_processes(run_id_of(run.output))
    reference = tables["in_process"]
    assert all(reference[table] for table in ("hub_samples", "instructions", "instruction_samples",
                                              "instruction_embeddings", "quality_results"))
    for executor in ("multiprocess", "dask"):
        for table in TABLES:
            assert tables[executor][table] == reference[table], f"{executor}: {table} differs from the in-process run"
    run_pid, steps = pids["in_process"]
    assert steps == {run_pid}
    run_pid, steps = pids["multiprocess"]
    assert len(steps) > 2 and run_pid not in steps
    run_pid, steps = pids["dask"]
    assert steps and steps <= workers and run_pid not in steps
    print(f"Dask steps ran in {len(steps)} of {len(workers)} workers")


@pytest.mark.parametrize("executor", ["multiprocess", "dask"])
def test_a_sqlite_catalog_refuses_steps_in_many_processes(executor):
    with pytest.raises(ExecutorConfigError, match="DYNOSAUR_CATALOG=postgres:"):
        select_executor(executor, "sqlite:data/catalog.sqlite", "tcp://127.0.0.1:8786")


def test_the_executor_setting_is_checked():
    assert select_executor("", "sqlite:data/catalog.sqlite") is dg.in_process_executor
    with pytest.raises(ExecutorConfigError, match="DYNOSAUR_DASK_SCHEDULER"):
        select_executor("dask", "postgres:dbname=lake host=127.0.0.1")
    with pytest.raises(ExecutorConfigError, match="expected one of"):
        select_executor("threads", "postgres:dbname=lake host=127.0.0.1")
