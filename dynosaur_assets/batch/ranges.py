"""Which runs the `llm_batches` sensor requests, without Dagster: the ready datasets cut into ranges of
consecutive partitions (a range is one run, as a backfill's single run is)."""

from collections.abc import Iterable, Sequence


def partition_ranges(partitions: Sequence[str], ready: Iterable[str]) -> list[tuple[str, str]]:
    """(first, last) of each maximal run of consecutive `partitions` that are all in `ready`; ready ids
    that are not partitions are left out."""
    wanted = set(ready)
    ranges: list[tuple[str, str]] = []
    start = previous = None
    for key in partitions:
        if key in wanted:
            start = start or key
            previous = key
            continue
        if start:
            ranges.append((start, previous))
        start = previous = None
    if start:
        ranges.append((start, previous))
    return ranges
