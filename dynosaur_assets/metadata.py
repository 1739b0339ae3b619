"""Materialization metadata shared by every asset: counts and a Markdown preview."""

from collections import Counter
from collections.abc import Iterable

import dagster as dg

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 80
DATASET_ROWS = 100


def markdown_table(rows: list[dict], columns: list[str], limit: int = PREVIEW_ROWS) -> str:
    """The first rows as a Markdown table, cells cut and pipes escaped."""
    if not rows:
        return "_no rows_"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        cells = [_cell(row.get(column)) for column in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"


def counts_by(values: Iterable[str | None]) -> dict[str, int]:
    """Counts of each non-empty value, most frequent first."""
    return dict(Counter(v for v in values if v).most_common())


def counts_metadata(prefix: str, counts: dict[str, int]) -> dict[str, dg.MetadataValue]:
    """One integer metadata entry per counted key, e.g. `dropped/no_license`."""
    return {f"{prefix}/{key}": dg.MetadataValue.int(value) for key, value in counts.items()}


def datasets_table(counts: dict[str, dict[str, int]], limit: int = DATASET_ROWS) -> dg.MetadataValue:
    """One Markdown line per dataset of the run with its counts, so a run over many partitions shows
    each partition's figures (the first `limit` datasets; the rest are counted)."""
    columns = ["dataset_id", *next(iter(counts.values()), {})]
    rows = [{"dataset_id": dataset_id, **values} for dataset_id, values in counts.items()]
    table = markdown_table(rows, columns, limit)
    if len(rows) > limit:
        table += f"\n\n_{len(rows) - limit} more datasets: query the tables by dataset_id_"
    return dg.MetadataValue.md(table)
