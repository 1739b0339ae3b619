"""Fixtures that materialize the pipeline into a lake (SQLite catalog, Parquet data) under tmp_path."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from locations import EMBEDDED_HUB, read_lake
from dynosaur_assets.definitions import defs
from dynosaur_assets.jobs import partition_range_tags
from dynosaur_assets.partitions import hub_dataset_partitions


class Pipeline:
    """The project's job on an ephemeral instance, over a Hub folder and a lake of its own (`db` is its
    SQLite catalog file; data and pictures go beside it)."""

    def __init__(self, hub_dir: Path, db: Path):
        self.hub_dir, self.db = hub_dir, db
        self.instance = dg.DagsterInstance.ephemeral()
        self.job = defs.resolve_job_def("dynosaur")

    def run(self, dataset_ids: list[str], resources: dict | None = None,
            run_config: dict | None = None) -> dg.ExecuteInProcessResult:
        """Register the ids as partitions (if new) and materialize them in one run."""
        known = set(self.instance.get_dynamic_partitions(hub_dataset_partitions.name))
        self.instance.add_dynamic_partitions(
            hub_dataset_partitions.name, [i for i in dataset_ids if i not in known]
        )
        return self.run_tags(partition_range_tags(dataset_ids[0], dataset_ids[-1]), resources, run_config)

    def list_hub(self) -> dg.ExecuteInProcessResult:
        """One run of `hub_listing` (what the sensor requests and `make run` starts with)."""
        return defs.resolve_job_def("list_the_hub").execute_in_process(instance=self.instance, raise_on_error=False)

    def run_tags(self, tags: dict[str, str], resources: dict | None = None,
                 run_config: dict | None = None) -> dg.ExecuteInProcessResult:
        """One in-process run with these tags; `resources` replace the project's where given."""
        return self.job.execute_in_process(
            instance=self.instance, tags=tags, resources=resources, run_config=run_config, raise_on_error=False
        )

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with read_lake(self.db) as conn:
            return conn.execute(sql, params or []).fetchall()


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """A copy of the embedded Hub and an empty store under tmp_path, wired through the env vars."""
    hub_dir = tmp_path / "hub"
    shutil.copytree(EMBEDDED_HUB, hub_dir)
    db = tmp_path / "catalog.sqlite"
    monkeypatch.setenv("DYNOSAUR_HUB", "local")
    monkeypatch.setenv("DYNOSAUR_HUB_DIR", str(hub_dir))
    monkeypatch.setenv("DYNOSAUR_CATALOG", f"sqlite:{db}")
    return Pipeline(hub_dir, db)


@pytest.fixture
def embedded_ids() -> list[str]:
    return sorted(p.parent.relative_to(EMBEDDED_HUB).as_posix() for p in EMBEDDED_HUB.glob("*/*/README.md"))
