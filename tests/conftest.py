"""Shared fixtures; the paths live in tests/locations.py (import them with `from locations import ...`)."""

import os
from pathlib import Path

import pytest

from locations import HUB_SNAPSHOT

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture
def hub_snapshot() -> Path:
    """../shared/hub-snapshot, or skip where this checkout has no ../shared."""
    if not HUB_SNAPSHOT.is_dir():
        pytest.skip(f"{HUB_SNAPSHOT} is absent (real cards are only beside the project checkout)")
    return HUB_SNAPSHOT
