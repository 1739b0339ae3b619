"""Export asset: `corpus_export`, the deduplicated corpus as files a trainer loads, one version per
DuckLake snapshot (unpartitioned, materialized by automation after any run)."""

import os
from dataclasses import replace

import dagster as dg
from pydantic import Field

from dynosaur_assets.automation import after_any_run
from dynosaur_assets.export.corpus import ExportOutcome, export_corpus
from dynosaur_assets.export.formats import DYNOSAUR_COLUMNS
from dynosaur_assets.export.hub_publisher import HubPublisher
from dynosaur_assets.export.hub_push import HubPushError
from dynosaur_assets.export.options import ExportOptions, split_list
from dynosaur_assets.metadata import PREVIEW_ROWS, markdown_table
from dynosaur_assets.replay.tables import read_replay
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
        "replay_strategy": env("DYNOSAUR_EXPORT_REPLAY", "").strip(),
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
    replay_strategy: str = Field(default=_DEFAULTS["replay_strategy"], description="a replay strategy "
                                 "(replay/README.md): export only the latest replay stage's tasks and the past tasks "
                                 "that strategy replays with them, as one training file, under `<name>-<strategy>`; "
                                 "empty: the whole corpus")
    reviewed: str = Field(default=_DEFAULTS["reviewed"], description="skip_rejected: leave out tasks whose final "
                          "verdict (task_verdicts: review or human override) is wrong_*; all: keep them")

    def options(self, conn) -> ExportOptions:
        """The export's options; with a replay strategy, its folder and tasks are the replay set's."""
        name, task_ids = self.name, None
        if self.replay_strategy:
            replay = read_replay(conn, self.replay_strategy)
            name, task_ids = f"{self.name}-{self.replay_strategy}", frozenset(replay.stage_tasks + replay.replayed)
        options = ExportOptions.build(name, self.licenses, self.task_categories, self.designers,
                                      self.min_instances_per_task, self.max_instances_per_task, self.reviewed)
        return replace(options, task_ids=task_ids)


@dg.asset(
    deps=["hub_datasets", "instructions", "instruction_samples", "task_reviews", "corpus_duplicates",
          "replay_selection"],
    group_name=GROUP,
    kinds={"duckdb", "polars", "huggingface"},
    automation_condition=after_any_run("corpus_duplicates", "replay_selection"),
)
def corpus_export(
    context: dg.AssetExecutionContext, config: ExportRunConfig, duckdb: DynosaurDuckDB, hub_publisher: HubPublisher
) -> dg.MaterializeResult:
    """The corpus (`corpus_instances`: instances without their duplicates) at the latest snapshot that
    changed it, filtered by the run config, as JSONL, Parquet, a `datasets` folder, a conversational
    JSONL and a dataset card, under `exports/<name>/v<snapshot>/` beside the lake's data. Exporting an
    existing version again writes nothing. With `DYNOSAUR_EXPORT_REPO` set, the version is pushed to that
    Hub dataset repo (a failed push fails the step and keeps the files: the next run pushes them)."""
    root = duckdb.reports_dir().parent / EXPORTS_DIR
    with duckdb.get_connection() as conn:
        outcome = export_corpus(conn, root, config.options(conn))
    context.log.info(f"export {outcome.status}: {outcome.folder}")
    metadata = export_metadata(outcome)
    if outcome.status != "empty" and hub_publisher.enabled():
        try:
            pushed = hub_publisher.push(outcome.folder, f"Dynosaur export v{outcome.snapshot}")
        except (HubPushError, ValueError) as error:
            raise dg.Failure(description=f"export v{outcome.snapshot} is written at {outcome.folder} but was "
                             f"not pushed: {error}", metadata=metadata) from None
        metadata |= {"hub_commit": dg.MetadataValue.url(pushed.commit_url), "hub_new_commit": pushed.new_commit}
    return dg.MaterializeResult(metadata=metadata)


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
