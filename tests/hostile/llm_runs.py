"""What the LLM hostile tests share: the project's job over a few embedded datasets, on an ephemeral
instance and a lake of its own, with the loopback OpenAI server; and the files a run wrote outside it."""

import os
import shutil
from pathlib import Path

import dagster as dg

from locations import EMBEDDED_HUB, PROJECT_ROOT, read_lake
from dynosaur_assets.definitions import defs
from dynosaur_assets.jobs import partition_range_tags
from dynosaur_assets.partitions import hub_dataset_partitions

SKIPPED_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache"}


class LakeRun:
    """The `dynosaur` job over a copy of some embedded datasets, into `root/catalog.sqlite` (data, reports
    and exports beside it); the caller sets the environment (DYNOSAUR_HUB_DIR, DYNOSAUR_CATALOG: `env`)."""

    def __init__(self, root: Path, dataset_ids: list[str], instance: dg.DagsterInstance | None = None) -> None:
        self.root, self.dataset_ids = root, sorted(dataset_ids)
        self.hub_dir, self.db = root / "hub", root / "catalog.sqlite"
        for dataset_id in self.dataset_ids:
            shutil.copytree(EMBEDDED_HUB / dataset_id, self.hub_dir / dataset_id)
        self.instance = instance or dg.DagsterInstance.ephemeral()

    def env(self) -> dict[str, str]:
        return {"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(self.hub_dir), "DYNOSAUR_CATALOG": f"sqlite:{self.db}"}

    def run(self, resources: dict | None = None) -> dg.ExecuteInProcessResult:
        """One run of the job over every dataset (registered as partitions first)."""
        known = set(self.instance.get_dynamic_partitions(hub_dataset_partitions.name))
        self.instance.add_dynamic_partitions(hub_dataset_partitions.name,
                                             [i for i in self.dataset_ids if i not in known])
        return defs.resolve_job_def("dynosaur").execute_in_process(
            instance=self.instance, tags=partition_range_tags(self.dataset_ids[0], self.dataset_ids[-1]),
            resources=resources, raise_on_error=False)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with read_lake(self.db) as conn:
            return conn.execute(sql, params or []).fetchall()


def files_written_since(started: float, roots: tuple[Path, ...] = (PROJECT_ROOT,)) -> list[Path]:
    """Files under `roots` (the checkout by default: where a relative path from a reply would land)
    created or changed after `started` (a `time.time()`), caches left out."""
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
            found += [Path(folder) / name for name in files if (Path(folder) / name).stat().st_mtime > started]
    return found
