"""The local Hubs the benchmarks measure: the embedded Hub and ../shared/hub-snapshot when present."""

import json
from pathlib import Path

from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource
from dynosaur_assets.tasks import TaskSource

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot"


def bench_hubs() -> dict[str, Path]:
    hubs = {"embedded Hub": ROOT / "data" / "hub"}
    if SNAPSHOT.is_dir():
        hubs["hub-snapshot"] = SNAPSHOT
    return hubs


def kept_sources(hub_dir: Path) -> list[TaskSource]:
    """Every kept config of a local Hub, with its sample rows, as the pipeline sees it."""
    hub = HubSource(hub="local", hub_dir=str(hub_dir))
    sources = []
    for dataset_id in hub.iter_dataset_ids():
        read = hub.read_dataset(dataset_id)
        configs, samples = dataset_records(dataset_id, read.card, read.configs, read.samples, "local")
        for config in (c for c in configs if c["keep"]):
            rows = [json.loads(s["row"]) for s in samples if s["config"] == config["config"]]
            sources.append(TaskSource(
                dataset_id, config["config"], config["task_name"], json.loads(config["features"]), rows,
                config["description"] or "", config["license"] or "", config["website"] or "",
            ))
    return sources
