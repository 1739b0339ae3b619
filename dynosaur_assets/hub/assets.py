"""Step 1 assets: the Hub's listing (`hub_listing`), then per dataset its metadata (`hub_datasets`) and
sample rows (`hub_samples`)."""

import datetime

import dagster as dg
from pydantic import Field

from dynosaur_assets.hub.listing_store import record_listing
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource
from dynosaur_assets.metadata import counts_by, counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import replace_partition

GROUP = "hub"
LISTING_PREVIEW = """SELECT dataset_id, created_at, downloads, license, candidate, reason FROM hub_listing
                     WHERE listed_at = ? ORDER BY dataset_id LIMIT 5"""


class ListingConfig(dg.Config):
    """Run config of `hub_listing`."""

    full: bool = Field(default=False, description="walk the whole listing, not only what changed since the "
                       "last pass (after changing DYNOSAUR_HUB_FILTER)")


@dg.asset(
    description="One row per dataset the Hub lists, with the §1 card rules applied to its listed card "
    "metadata: only candidates become partitions of the datasets' assets (the new_hub_datasets sensor, make run).",
    kinds={"duckdb", "huggingface"},
    group_name=GROUP,
)
def hub_listing(context: dg.AssetExecutionContext, config: ListingConfig, hub_source: HubSource,
                duckdb: DynosaurDuckDB) -> dg.MaterializeResult:
    """List the Hub last modified first, down to what the previous pass saw, and store the new and changed
    datasets with their candidate / reason in one transaction."""
    listed_at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with duckdb.get_connection() as conn:
        outcome = record_listing(conn, hub_source.iter_listing(), listed_at, full=config.full)
        total, candidates = conn.execute("SELECT count(*), count(*) FILTER (candidate) FROM hub_listing").fetchone()
        columns = ["dataset_id", "created_at", "downloads", "license", "candidate", "reason"]
        preview = [dict(zip(columns, row)) for row in conn.execute(LISTING_PREVIEW, [listed_at]).fetchall()]
    context.log.info(f"listed {outcome.listed} datasets: {outcome.new} new ({outcome.new_candidates} candidates), "
                     f"{outcome.changed} changed")
    return dg.MaterializeResult(metadata={
        "listed": outcome.listed,
        "new": outcome.new,
        "new_candidates": outcome.new_candidates,
        "changed": outcome.changed,
        **counts_metadata("left_out", dict(outcome.reasons.most_common())),
        "datasets_known": total,
        "candidates_known": candidates,
        "watermark": str(outcome.watermark) if outcome.watermark else "none (whole listing)",
        "preview": dg.MetadataValue.md(markdown_table(preview, columns)),
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "hub_datasets",
            description="One row per (dataset, config): card metadata and the keep / drop decision.",
            kinds={"duckdb", "huggingface"},
            group_name=GROUP,
            partitions_def=hub_dataset_partitions,
            deps=["hub_listing"],
        ),
        dg.AssetSpec(
            "hub_samples",
            description="Up to 100 sample rows per train / validation split of each kept config.",
            kinds={"duckdb", "huggingface"},
            group_name=GROUP,
            partitions_def=hub_dataset_partitions,
        ),
    ],
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def hub_ingestion(context: dg.AssetExecutionContext, hub_source: HubSource, duckdb: DynosaurDuckDB):
    """Read the selected datasets' cards and samples, DYNOSAUR_HUB_CONCURRENCY at a time, and replace
    each one's rows in both tables as its read completes (in partition order)."""
    all_datasets, all_samples, per_dataset = [], [], {}
    with duckdb.get_connection() as conn:
        for read in hub_source.read_datasets(context.partition_keys):
            dataset_id = read.dataset_id
            datasets, samples = dataset_records(
                dataset_id, read.card, read.configs, read.samples, hub_source.source_name, read.sha
            )
            replace_partition(conn, dataset_id, {"hub_datasets": datasets, "hub_samples": samples})
            context.log.info(f"{dataset_id}: {len(datasets)} configs, {len(samples)} sample rows")
            per_dataset[dataset_id] = {"configs": len(datasets), "kept": sum(r["keep"] for r in datasets),
                                       "sample_rows": len(samples)}
            all_datasets += datasets
            all_samples += samples
    kept = [row for row in all_datasets if row["keep"]]
    yield dg.MaterializeResult(
        asset_key="hub_datasets",
        metadata={
            "datasets": len(context.partition_keys),
            "configs": len(all_datasets),
            "kept": len(kept),
            "dropped": len(all_datasets) - len(kept),
            **counts_metadata("dropped", counts_by(r["drop_reason"] for r in all_datasets)),
            "per_dataset": datasets_table(per_dataset),
            "preview": dg.MetadataValue.md(
                markdown_table(all_datasets, ["task_name", "license", "multilinguality", "keep", "drop_reason"])
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key="hub_samples",
        metadata={
            "rows": len(all_samples),
            "configs": len({(r["dataset_id"], r["config"]) for r in all_samples}),
            "per_dataset": datasets_table(per_dataset),
            "preview": dg.MetadataValue.md(markdown_table(all_samples, ["task_name", "split", "row_idx", "row"])),
        },
    )
