"""One export of the corpus: find the snapshot, skip it when this version exists, else read the
deduplicated view at that snapshot, filter, and write every format and the card as one new version."""

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from dynosaur_assets.export.card import CardFacts, build_card, licenses
from dynosaur_assets.export.filters import apply_filters
from dynosaur_assets.export.formats import file_names, write_formats
from dynosaur_assets.export.options import ExportOptions
from dynosaur_assets.export.read import export_snapshot, llm_cost, read_corpus
from dynosaur_assets.export.versions import existing_manifest, version_folder, write_version

CARD = "README.md"


@dataclass(frozen=True)
class ExportOutcome:
    """What an export did: `status` is `written`, `unchanged` (this version existed with these
    options) or `empty` (the filters kept no instance: nothing written); the version's manifest, and the
    rows written when written (for a preview)."""

    status: str
    snapshot: int
    folder: Path
    manifest: dict
    frame: pl.DataFrame | None = field(default=None, repr=False)


def export_corpus(conn: duckdb.DuckDBPyConnection, root: Path, options: ExportOptions) -> ExportOutcome:
    """Export the corpus under `root/<name>/v<snapshot>/`; nothing is read or written when that version
    exists with these options (ExportConflict when with others)."""
    snapshot = export_snapshot(conn)
    folder = version_folder(root, options.name, snapshot)
    manifest = existing_manifest(folder, options)
    if manifest is not None:
        return ExportOutcome("unchanged", snapshot, folder, manifest)
    frame = apply_filters(read_corpus(conn, snapshot), options)
    summary = summarize(frame, snapshot, options)
    if frame.is_empty():
        return ExportOutcome("empty", snapshot, folder, summary, frame)
    sources = frame["dataset_id"].unique().to_list()
    cost_sources, cost_total = llm_cost(conn, snapshot, sources)
    facts = CardFacts(options.name, snapshot, options, file_names(options.name), cost_sources, cost_total)

    def write(temporary: Path) -> dict:
        started = time.perf_counter()
        files = write_formats(frame, temporary, options.name)
        (temporary / CARD).write_text(build_card(frame, facts))
        return {**summary, "files": {**files, "card": CARD}, "llm_cost_usd": round(cost_sources, 6),
                "llm_cost_store_usd": round(cost_total, 6), "write_seconds": round(time.perf_counter() - started, 3),
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    return ExportOutcome("written", snapshot, folder, write_version(folder, write), frame)


def summarize(frame: pl.DataFrame, snapshot: int, options: ExportOptions) -> dict:
    """The counts and options an export records in its manifest and metadata."""
    return {
        "name": options.name,
        "snapshot": snapshot,
        "options": options.describe(),
        "options_hash": options.digest(),
        "rows": frame.height,
        "tasks": frame.select("dataset_id", "task_id").n_unique(),
        "source_datasets": frame["dataset_id"].n_unique(),
        "licenses": licenses(frame),
    }
