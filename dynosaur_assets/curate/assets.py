"""Steps 3-4 assets: `instructions`, `task_rejections` and `instruction_samples` per dataset."""

import dagster as dg
import duckdb

from dynosaur_assets.curate.curation import Curation, curate_source
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.metadata import counts_by, counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.reports.figures import funnel_figure, reports_dir, verb_noun_figure
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import replace_partition

GROUP = "curate"
_SPEC = {"kinds": {"duckdb"}, "group_name": GROUP, "partitions_def": hub_dataset_partitions, "deps": ["task_designs"]}


def design_rows_by_config(conn: duckdb.DuckDBPyConnection, dataset_id: str) -> dict[str, list[dict]]:
    """The dataset's `task_designs` rows grouped by config."""
    relation = conn.execute("SELECT * FROM task_designs WHERE dataset_id = ?", [dataset_id])
    columns = [d[0] for d in relation.description]
    grouped: dict[str, list[dict]] = {}
    for values in relation.fetchall():
        row = dict(zip(columns, values))
        grouped.setdefault(row["config"], []).append(row)
    return grouped


@dg.multi_asset(
    specs=[
        dg.AssetSpec("instructions", description="Valid tasks after METHOD.md §3-§4.", **_SPEC),
        dg.AssetSpec("task_rejections", description="Every rejected proposal and its rule.", **_SPEC),
        dg.AssetSpec("instruction_samples", description="instruction / input / output instances.", **_SPEC),
    ],
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def curation(context: dg.AssetExecutionContext, duckdb: DynosaurDuckDB):
    """Apply the validity rules, the merge, the label space and rendering to each config's designs."""
    total, per_dataset = Curation(), {}
    with duckdb.get_connection() as conn:
        for dataset_id in context.partition_keys:
            designs = design_rows_by_config(conn, dataset_id)
            done = Curation()
            for source in load_task_sources(conn, dataset_id):
                part = curate_source(source, designs.get(source.config, []))
                done.instructions += part.instructions
                done.rejections += part.rejections
                done.samples += part.samples
            tables = {"instructions": done.instructions, "task_rejections": done.rejections,
                      "instruction_samples": done.samples}
            replace_partition(conn, dataset_id, tables)
            per_dataset[dataset_id] = {"valid_tasks": len(done.instructions), "rejections": len(done.rejections),
                                       "instances": len(done.samples)}
            total.instructions += done.instructions
            total.rejections += done.rejections
            total.samples += done.samples
        folder = reports_dir(duckdb.path())
        funnel, verbs = funnel_figure(conn, folder), verb_noun_figure(conn, folder)
    by_dataset = datasets_table(per_dataset)
    yield dg.MaterializeResult(
        asset_key="instructions",
        metadata={
            "valid_tasks": len(total.instructions),
            "per_dataset": by_dataset,
            **counts_metadata("designer", counts_by(r["designer"] for r in total.instructions)),
            "preview": dg.MetadataValue.md(markdown_table(total.instructions, ["task_name", "instruction", "output_field"])),
            "funnel": dg.MetadataValue.md(funnel),
            "verb_noun": dg.MetadataValue.md(verbs),
        },
    )
    yield dg.MaterializeResult(
        asset_key="task_rejections",
        metadata={
            "rejections": len(total.rejections),
            "per_dataset": by_dataset,
            **counts_metadata("rule", counts_by(r["rule"] for r in total.rejections)),
            "preview": dg.MetadataValue.md(markdown_table(total.rejections, ["task_name", "rule", "detail"])),
        },
    )
    yield dg.MaterializeResult(
        asset_key="instruction_samples",
        metadata={
            "instances": len(total.samples),
            "per_dataset": by_dataset,
            "preview": dg.MetadataValue.md(markdown_table(total.samples, ["taskname", "instruction", "input", "output"])),
        },
    )
