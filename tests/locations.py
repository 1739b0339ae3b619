"""Paths the tests share: the embedded Hub and ../shared (absent on some machines)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_HUB = PROJECT_ROOT / "data" / "hub"
SHARED = PROJECT_ROOT.parent / "shared"
HUB_SNAPSHOT = SHARED / "hub-snapshot"
REFERENCE_TASKS = SHARED / "reference" / "dynosaur-instructions-full.json"
