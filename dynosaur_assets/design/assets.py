"""Step 2 asset: `task_designs`, the tasks each designer proposed per config and prompt kind."""

import dagster as dg

from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.design.replies import design_rows
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.metadata import counts_by, counts_metadata, markdown_table
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
) -> dg.MaterializeResult:
    """Ask the designer (LLM or rule-based) for up to three tasks per config and prompt kind."""
    with duckdb.get_connection() as conn:
        sources = {d: load_task_sources(conn, d) for d in context.partition_keys}
        run = task_designer.design([s for group in sources.values() for s in group], conn, context.log)
        rows = []
        for dataset_id, group in sources.items():
            dataset_rows = [
                row for s in group for reply in run.replies.get(s.task_name, []) for row in design_rows(s, reply)
            ]
            if dataset_id in run.unfinished:
                context.log.warning(f"{dataset_id}: left unmaterialized, {run.stop_reason}")
                continue
            replace_partition(conn, dataset_id, {"task_designs": dataset_rows})
            rows += dataset_rows
    proposals = [r for r in rows if not r.get("parse_error")]
    metadata = {
        "designer": run.designer,
        "configs": sum(len(g) for g in sources.values()),
        "proposals": len(proposals),
        "unparsed_replies": len(rows) - len(proposals),
        **counts_metadata("parse_error", counts_by(r.get("parse_error") for r in rows)),
        **run.metadata,
        "preview": dg.MetadataValue.md(
            markdown_table(proposals, ["task_name", "prompt_kind", "instruction", "output_field"])
        ),
    }
    if run.unfinished:
        raise dg.Failure(
            description=f"{run.stop_reason}; left unmaterialized: {', '.join(sorted(run.unfinished))}. "
            "Every response already paid for is stored in llm_calls and is reused on the next run.",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)
