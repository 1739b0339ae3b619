"""Paths the tests share: the embedded Hub and ../shared (absent on some machines)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_HUB = PROJECT_ROOT / "data" / "hub"
SHARED = PROJECT_ROOT.parent / "shared"
HUB_SNAPSHOT = SHARED / "hub-snapshot"
REFERENCE_TASKS = SHARED / "reference" / "dynosaur-instructions-full.json"


def read_lake(catalog: Path):
    """A read-only DuckDB connection to the lake whose SQLite catalog file is `catalog` (as the CLI's
    sql/attach.sql opens it)."""
    from dynosaur_assets.lake import LakeSettings
    from dynosaur_assets.store import open_lake

    return open_lake(LakeSettings.from_settings(f"sqlite:{catalog}"), read_only=True)
