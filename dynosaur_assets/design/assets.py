"""Step 2 asset: `task_designs`, the tasks each designer proposed per config and prompt kind."""

from collections.abc import Iterator

import dagster as dg

from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.design.replies import design_rows
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.metadata import counts_by, counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import replace_partition


@dg.asset(
    deps=["hub_samples"],
    partitions_def=hub_dataset_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="design",
    kinds={"duckdb", "openai"},
)
def task_designs(
    context: dg.AssetExecutionContext, task_designer: TaskDesigner, duckdb: DynosaurDuckDB
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    """Ask the designer (LLM or rule-based) for up to three tasks per config and prompt kind.

    When the run stops early (LLM budget reached, a call failed, dry run), the datasets whose every
    prompt was answered are written and materialized one partition at a time; the step then fails
    naming the datasets left unmaterialized."""
    with duckdb.get_connection() as conn:
        sources = {d: load_task_sources(conn, d) for d in context.partition_keys}
        run = task_designer.design([s for group in sources.values() for s in group], conn, context.log)
        rows_by_dataset = {}
        for dataset_id, group in sources.items():
            if dataset_id in run.unfinished:
                context.log.warning(f"{dataset_id}: left unmaterialized, {run.stop_reason}")
                continue
            rows_by_dataset[dataset_id] = [
                row for s in group for reply in run.replies.get(s.task_name, []) for row in design_rows(s, reply)
            ]
            replace_partition(conn, dataset_id, {"task_designs": rows_by_dataset[dataset_id]})
    if not run.unfinished:
        rows = [row for dataset_rows in rows_by_dataset.values() for row in dataset_rows]
        per_dataset = {
            dataset_id: {"configs": len(sources[dataset_id]),
                         "proposals": sum(not r.get("parse_error") for r in dataset_rows)}
            for dataset_id, dataset_rows in rows_by_dataset.items()
        }
        metadata = _metadata(rows, sum(len(g) for g in sources.values()), run.designer)
        yield dg.MaterializeResult(metadata=metadata | {"per_dataset": datasets_table(per_dataset)} | run.metadata)
        return
    for dataset_id, dataset_rows in rows_by_dataset.items():
        yield dg.AssetMaterialization(
            asset_key=context.asset_key,
            partition=dataset_id,
            metadata=_metadata(dataset_rows, len(sources[dataset_id]), run.designer),
        )
    raise dg.Failure(
        description=f"{run.stop_reason}; left unmaterialized: {', '.join(sorted(run.unfinished))}. "
        f"Materialized: {len(rows_by_dataset)} datasets whose prompts were all answered (their downstream "
        "assets need no LLM call: `make run` or the `curation_of_designs` job processes them). Every "
        "response already paid for is stored in llm_calls and is reused on the next run.",
        metadata=run.metadata,
    )


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
