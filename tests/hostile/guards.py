"""What a hostile test measures around the code under test: files written outside the allowed folders
(file trees snapshotted before and after), peak memory and seconds."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from locations import PROJECT_ROOT

# Written by any Python or pytest process in the checkout, whatever it runs: not the code under test.
_TOOL_DIRS = {".git", "__pycache__", ".pytest_cache"}


def file_tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, int]:
    """Every file under `root` (links not followed) with its modification time, but under `skip`."""
    tree = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _TOOL_DIRS and Path(folder, d) not in skip]
        for name in files:
            path = Path(folder, name)
            tree[str(path)] = path.lstat().st_mtime_ns
    return tree


def written(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """Files created or modified between two snapshots."""
    return sorted(path for path, mtime in after.items() if before.get(path) != mtime)


@dataclass
class Watch:
    """Files written outside `allowed` under the watched roots (the checkout always watched), peak RSS
    growth in MB and seconds of the block."""

    roots: list[Path]
    allowed: tuple[Path, ...]
    outside: list[str] = field(default_factory=list)
    peak_rss_growth_mb: float = 0.0
    seconds: float = 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def watch(roots: list[Path], allowed: tuple[Path, ...] = ()) -> Iterator[Watch]:
    """Snapshot the roots and the checkout, run the block, then fill in what it wrote outside `allowed`."""
    result = Watch([*roots, PROJECT_ROOT], allowed)
    before = {root: file_tree(root, allowed) for root in result.roots}
    rss, started = peak_rss_mb(), time.monotonic()
    yield result
    result.seconds = time.monotonic() - started
    result.peak_rss_growth_mb = peak_rss_mb() - rss
    result.outside = [path for root in result.roots for path in written(before[root], file_tree(root, allowed))]
