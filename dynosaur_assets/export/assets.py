"""Export asset: `corpus_export`, the deduplicated corpus as files a trainer loads, one version per
DuckLake snapshot (unpartitioned, materialized by automation after any run)."""

import os

import dagster as dg
from pydantic import Field

from dynosaur_assets.automation import after_any_run
from dynosaur_assets.export.corpus import ExportOutcome, export_corpus
from dynosaur_assets.export.formats import DYNOSAUR_COLUMNS
from dynosaur_assets.export.options import ExportOptions, split_list
from dynosaur_assets.metadata import PREVIEW_ROWS, markdown_table
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "export"
EXPORTS_DIR = "exports"


def environment_choices() -> dict:
    """The export's options as this process's environment sets them."""
    env = os.environ.get
    return {
        "name": env("DYNOSAUR_EXPORT_NAME") or "dynosaur",
        "licenses": split_list(env("DYNOSAUR_EXPORT_LICENSES", "")),
        "task_categories": split_list(env("DYNOSAUR_EXPORT_TASK_CATEGORIES", "")),
        "designers": split_list(env("DYNOSAUR_EXPORT_DESIGNERS", "")),
        "min_instances_per_task": int(env("DYNOSAUR_EXPORT_MIN_PER_TASK") or 1),
        "max_instances_per_task": int(env("DYNOSAUR_EXPORT_MAX_PER_TASK") or 0),
        "reviewed": env("DYNOSAUR_EXPORT_REVIEWED") or "skip_rejected",
    }


_DEFAULTS = environment_choices()


class ExportRunConfig(dg.Config):
    """Per-run options of the export, shown in the launchpad; the defaults come from the environment
    of the process that loaded the code."""

    name: str = Field(default=_DEFAULTS["name"], description="the export's folder under data/exports/")
    licenses: list[str] = Field(default=_DEFAULTS["licenses"], description="licence ids to keep, or the preset "
                                "`commercial` (export/options.py lists it); empty: every licence")
    task_categories: list[str] = Field(default=_DEFAULTS["task_categories"],
                                       description="keep sources with one of these Hub task categories; empty: all")
    designers: list[str] = Field(default=_DEFAULTS["designers"], description="keep tasks of these designers "
                                 "(rules, openai); empty: all")
    min_instances_per_task: int = Field(default=_DEFAULTS["min_instances_per_task"],
                                        description="drop tasks with fewer instances")
    max_instances_per_task: int = Field(default=_DEFAULTS["max_instances_per_task"],
                                        description="keep each task's first n instances by instance_idx (0: all)")
    reviewed: str = Field(default=_DEFAULTS["reviewed"], description="skip_rejected: leave out tasks whose final "
                          "verdict (task_verdicts: review or human override) is wrong_*; all: keep them")

    def options(self) -> ExportOptions:
        return ExportOptions.build(self.name, self.licenses, self.task_categories, self.designers,
                                   self.min_instances_per_task, self.max_instances_per_task, self.reviewed)


@dg.asset(
    deps=["hub_datasets", "instructions", "instruction_samples", "task_reviews"],
    group_name=GROUP,
    kinds={"duckdb", "polars", "huggingface"},
    automation_condition=after_any_run(),
)
def corpus_export(
    context: dg.AssetExecutionContext, config: ExportRunConfig, duckdb: DynosaurDuckDB
) -> dg.MaterializeResult:
    """The corpus (`corpus_instances`: instances without their duplicates) at the latest snapshot that
    changed it, filtered by the run config, as JSONL, Parquet, a `datasets` folder, a conversational
    JSONL and a dataset card, under `exports/<name>/v<snapshot>/` beside the lake's data. Exporting an
    existing version again writes nothing."""
    root = duckdb.reports_dir().parent / EXPORTS_DIR
    with duckdb.get_connection() as conn:
        outcome = export_corpus(conn, root, config.options())
    context.log.info(f"export {outcome.status}: {outcome.folder}")
    return dg.MaterializeResult(metadata=export_metadata(outcome))


def export_metadata(outcome: ExportOutcome) -> dict:
    """Counts, licences, path and a preview of the written rows; never a secret (no setting is shown)."""
    manifest = outcome.manifest
    metadata = {
        "status": outcome.status,
        "snapshot": dg.MetadataValue.int(outcome.snapshot),
        "path": dg.MetadataValue.path(str(outcome.folder)) if outcome.status != "empty" else "nothing written",
        "rows": dg.MetadataValue.int(manifest["rows"]),
        "tasks": dg.MetadataValue.int(manifest["tasks"]),
        "source_datasets": dg.MetadataValue.int(manifest["source_datasets"]),
        "licenses": ", ".join(manifest["licenses"]),
        "options": dg.MetadataValue.json(manifest["options"]),
    }
    if outcome.frame is not None:
        preview = outcome.frame.head(PREVIEW_ROWS).to_dicts()
        metadata["preview"] = dg.MetadataValue.md(markdown_table(preview, list(DYNOSAUR_COLUMNS)))
    return metadata
