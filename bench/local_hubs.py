"""The local Hubs the benchmarks measure: the embedded Hub and ../shared/hub-snapshot when present."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot"


def bench_hubs() -> dict[str, Path]:
    hubs = {"embedded Hub": ROOT / "data" / "hub"}
    if SNAPSHOT.is_dir():
        hubs["hub-snapshot"] = SNAPSHOT
    return hubs
