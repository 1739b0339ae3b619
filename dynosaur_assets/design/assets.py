"""Step 2 asset: `task_designs`, the tasks each designer proposed per config and prompt kind."""

import os
from collections.abc import Iterator

import dagster as dg
from pydantic import Field

from dynosaur_assets.design.batch_client import BatchLimits
from dynosaur_assets.design.batch_lines import MAX_BYTES_PER_BATCH, MAX_REQUESTS_PER_BATCH
from dynosaur_assets.design.designer import DesignRun, TaskDesigner
from dynosaur_assets.design.replies import design_rows
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.metadata import counts_by, counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import replace_partition

_TRUE = {"1", "true", "yes", "on"}


def environment_choices() -> dict:
    """The design step's per-run choices as this process's environment sets them."""
    return {
        "budget_usd": float(os.environ.get("DYNOSAUR_BUDGET_USD") or 0),
        "dry_run": os.environ.get("DYNOSAUR_DRY_RUN", "").lower() in _TRUE,
        "llm_concurrency": int(os.environ.get("DYNOSAUR_LLM_CONCURRENCY") or 32),
        "llm_mode": os.environ.get("DYNOSAUR_LLM_MODE") or "sync",
        "batch_max_requests": int(os.environ.get("DYNOSAUR_BATCH_MAX_REQUESTS") or MAX_REQUESTS_PER_BATCH),
        "batch_max_bytes": int(os.environ.get("DYNOSAUR_BATCH_MAX_BYTES") or MAX_BYTES_PER_BATCH),
    }


_DEFAULTS = environment_choices()


class DesignRunConfig(dg.Config):
    """Per-run choices of the design step, shown in the launchpad; the defaults come from the
    environment of the process that loaded the code (`make run` passes its own)."""

    budget_usd: float = Field(default=_DEFAULTS["budget_usd"],
                              description="stop issuing LLM requests once the run has spent this much (0: none)")
    dry_run: bool = Field(default=_DEFAULTS["dry_run"],
                          description="estimate the LLM requests, tokens and cost; call nothing, store nothing")
    llm_concurrency: int = Field(default=_DEFAULTS["llm_concurrency"], description="LLM requests in flight at once")
    llm_mode: str = Field(default=_DEFAULTS["llm_mode"], description="sync: chat completions; batch: the OpenAI "
                          "Batch API at half price (the partitions materialize when the llm_batches sensor has "
                          "ingested the replies)")
    batch_max_requests: int = Field(default=_DEFAULTS["batch_max_requests"], description="requests per batch file")
    batch_max_bytes: int = Field(default=_DEFAULTS["batch_max_bytes"], description="bytes per batch file")

    def batch_limits(self) -> BatchLimits:
        return BatchLimits(self.batch_max_requests, self.batch_max_bytes)


def design_run_config() -> dict:
    """The run config of a run whose design choices are this process's environment variables."""
    return {"ops": {"task_designs": {"config": DesignRunConfig(**environment_choices()).model_dump()}}}


@dg.asset(
    deps=["hub_datasets", "hub_samples"],
    partitions_def=hub_dataset_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="design",
    kinds={"duckdb", "openai"},
    output_required=False,
)
def task_designs(
    context: dg.AssetExecutionContext, config: DesignRunConfig, task_designer: TaskDesigner, duckdb: DynosaurDuckDB
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization | dg.AssetObservation]:
    """Ask the designer (LLM or rule-based) for up to three tasks per config and prompt kind.

    A dry run estimates the LLM requests per dataset, reports them as an observation and materializes
    nothing (the later steps are skipped). In batch mode the prompts not answered in `llm_calls` go to
    the Batch API and their datasets are left unmaterialized as after a budget stop (the step fails
    naming the batches); the `llm_batches` sensor requests their run once the replies are stored. When the run stops early (budget reached, a call failed), the
    datasets whose every prompt was answered are written and materialized one partition at a time, and
    the step fails naming the others; the automation sensor then curates the materialized ones."""
    with duckdb.get_connection() as conn:
        sources = load_task_sources(conn, context.partition_keys)
        if config.dry_run:
            estimates = task_designer.estimate(sources, conn, config.llm_mode)
            context.log.info(f"dry run: {estimates['total']}")
            yield dg.AssetObservation(asset_key=context.asset_key, metadata={
                "dry_run": dg.MetadataValue.md(markdown_table(list(estimates.values()), list(estimates["total"]))),
                "dry_run/estimates": dg.MetadataValue.json(estimates),
            })
            return
        run = task_designer.design([s for group in sources.values() for s in group], conn, context.log,
                                   budget_usd=config.budget_usd or None, concurrency=config.llm_concurrency,
                                   mode=config.llm_mode, limits=config.batch_limits())
        rows_by_dataset = _store_finished(context, conn, sources, run)
    if not run.unfinished:
        yield _materialization(sources, rows_by_dataset, run)
        return
    for dataset_id, dataset_rows in rows_by_dataset.items():
        yield dg.AssetMaterialization(asset_key=context.asset_key, partition=dataset_id,
                                      metadata=_metadata(dataset_rows, len(sources[dataset_id]), run.designer))
    raise dg.Failure(
        description=f"{run.stop_reason}; left unmaterialized: {', '.join(sorted(run.unfinished))}. "
        f"Materialized: {len(rows_by_dataset)} datasets whose prompts were all answered (the automation "
        "sensor curates them). Every response already paid for is stored in llm_calls and reused next run.",
        metadata=run.metadata,
    )


def _store_finished(context: dg.AssetExecutionContext, conn, sources: dict, run: DesignRun) -> dict[str, list[dict]]:
    """Replace the rows of every dataset whose prompts were all answered; return them by dataset."""
    rows_by_dataset = {}
    for dataset_id, group in sources.items():
        if dataset_id in run.unfinished:
            context.log.warning(f"{dataset_id}: left unmaterialized ({run.stop_reason})")
            continue
        rows_by_dataset[dataset_id] = [
            row for s in group for reply in run.replies.get(s.task_name, []) for row in design_rows(s, reply)
        ]
        replace_partition(conn, dataset_id, {"task_designs": rows_by_dataset[dataset_id]})
    return rows_by_dataset


def _materialization(sources: dict, rows_by_dataset: dict[str, list[dict]], run: DesignRun) -> dg.MaterializeResult:
    rows = [row for dataset_rows in rows_by_dataset.values() for row in dataset_rows]
    per_dataset = {
        dataset_id: {"configs": len(sources[dataset_id]), "proposals": sum(not r.get("parse_error") for r in dataset_rows)}
        for dataset_id, dataset_rows in rows_by_dataset.items()
    }
    metadata = _metadata(rows, sum(len(g) for g in sources.values()), run.designer)
    return dg.MaterializeResult(metadata=metadata | {"per_dataset": datasets_table(per_dataset)} | run.metadata)


def _metadata(rows: list[dict], configs: int, designer: str) -> dict:
    proposals = [r for r in rows if not r.get("parse_error")]
    return {
        "designer": designer,
        "configs": configs,
        "proposals": len(proposals),
        "unparsed_replies": len(rows) - len(proposals),
        **counts_metadata("parse_error", counts_by(r.get("parse_error") for r in rows)),
        "preview": dg.MetadataValue.md(
            markdown_table(proposals, ["task_name", "prompt_kind", "instruction", "output_field"])
        ),
    }
