"""The instance settings `make run` / `make dev` copy into DAGSTER_HOME: one run at a time (DuckDB has
one writer process per file)."""

import shutil

import dagster as dg

from locations import PROJECT_ROOT


def test_project_instance_runs_one_run_at_a_time(tmp_path, monkeypatch):
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
