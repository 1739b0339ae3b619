"""Dedup asset: `corpus_duplicates`, the instances the corpus leaves out because another dataset (or
another task) already has them (unpartitioned, materialized by automation after any run)."""

import os
import time

import dagster as dg
from pydantic import Field

from dynosaur_assets.automation import after_any_run
from dynosaur_assets.dedup.duplicates import DedupOutcome, dropped_pairs, rewrite_duplicates
from dynosaur_assets.dedup.near import check_threshold
from dynosaur_assets.embed.resources import InstructionEmbedder
from dynosaur_assets.metadata import markdown_table
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "dedup"
SIMILARITY = "DYNOSAUR_DEDUP_SIMILARITY"
NEAR = "DYNOSAUR_DEDUP_NEAR_DUPLICATES"
_SWITCH = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
PREVIEW_COLUMNS = ["reason", "dataset_id", "kept_dataset_id", "similarity", "instruction", "kept_instruction",
                   "input", "kept_input"]


def environment_choices() -> dict:
    """The dedup step's per-run choices as this process's environment sets them (a wrong value is
    refused, naming its variable)."""
    raw_similarity = os.environ.get(SIMILARITY) or ENV_DEFAULTS[SIMILARITY]
    raw_near = (os.environ.get(NEAR) or ENV_DEFAULTS[NEAR]).strip().lower()
    try:
        similarity = check_threshold(float(raw_similarity))
    except ValueError:
        raise ValueError(f"{SIMILARITY} must be a number in (0, 1], got {raw_similarity!r}") from None
    if raw_near not in _SWITCH:
        raise ValueError(f"{NEAR} must be 1 or 0 (on / off), got {raw_near!r}")
    return {"similarity": similarity, "near_duplicates": _SWITCH[raw_near]}


_DEFAULTS = environment_choices()


class DedupRunConfig(dg.Config):
    """Per-run choices of `corpus_duplicates`, shown in the launchpad; the defaults come from the
    environment of the process that loaded the code."""

    similarity: float = Field(default=_DEFAULTS["similarity"], gt=0, le=1,
                              description="cosine at or above which two instructions in one output space are one task")
    near_duplicates: bool = Field(default=_DEFAULTS["near_duplicates"],
                                  description="find near-duplicate instructions (off: exact duplicate instances only)")


@dg.asset(
    deps=["instruction_samples", "instructions", "instruction_embeddings"],
    group_name=GROUP,
    kinds={"duckdb", "numpy"},
    automation_condition=after_any_run(),
)
def corpus_duplicates(
    context: dg.AssetExecutionContext, config: DedupRunConfig, duckdb: DynosaurDuckDB,
    instruction_embedder: InstructionEmbedder,
) -> dg.MaterializeResult:
    """Rewrite `instance_duplicates` over the whole store in one transaction: the tasks whose
    instruction nearly repeats an earlier dataset's in the same output space, then the instances
    that exactly repeat an earlier one; the view `corpus_instances` is the corpus without them."""
    model = instruction_embedder.embedder().model  # the name only: no model is loaded
    started = time.perf_counter()
    with duckdb.get_connection() as conn:
        outcome = rewrite_duplicates(conn, model, config.similarity if config.near_duplicates else None)
        preview = dropped_pairs(conn)
    context.log.info("instance duplicates: %s of %d instances left out", outcome.dropped, outcome.instances)
    return dg.MaterializeResult(metadata=_metadata(outcome, preview, config, model, time.perf_counter() - started))


def _metadata(outcome: DedupOutcome, preview: list[dict], config: DedupRunConfig, model: str,
              seconds: float) -> dict:
    return {
        "instances": dg.MetadataValue.int(outcome.instances),
        **{f"dropped/{reason}": dg.MetadataValue.int(n) for reason, n in outcome.dropped.items()},
        "share_removed": dg.MetadataValue.float(round(outcome.share_removed, 6)),
        "tasks": dg.MetadataValue.int(outcome.tasks),
        "tasks_compared": dg.MetadataValue.int(outcome.tasks_compared),
        "near_duplicate_tasks": dg.MetadataValue.int(outcome.near_duplicate_tasks),
        "similarity": dg.MetadataValue.float(config.similarity) if config.near_duplicates else "off",
        "model": model,
        "seconds": dg.MetadataValue.float(round(seconds, 3)),
        "preview": dg.MetadataValue.md(markdown_table(preview, PREVIEW_COLUMNS, limit=len(preview))),
    }
