"""Every test under tests/hostile carries the `hostile` marker (`pytest -m hostile`, `make test-hostile`)."""

from pathlib import Path

import pytest

HOSTILE_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HOSTILE_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.hostile)
