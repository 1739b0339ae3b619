"""The jobs the `new_hub_datasets` sensor targets: the Hub's listing, and every partitioned asset for a
range of `hub_datasets` partitions (the store-wide `corpus_duplicates`, `corpus_reports`, `replay_selection`,
`corpus_export` and the lake's `lake_checkpoint` follow by automation, dynosaur_assets/automation.py)."""

import dagster as dg

PARTITIONED = (dg.AssetSelection.all()
               - dg.AssetSelection.groups("dedup", "reports", "export", "maintenance", "replay", "batch")
               - dg.AssetSelection.assets("hub_listing"))

dynosaur_job = dg.define_asset_job(
    "dynosaur",
    selection=PARTITIONED,
    description="Materialize every partitioned asset for the selected Hub datasets (one run per range).",
)

hub_listing_job = dg.define_asset_job(
    "list_the_hub",
    selection=dg.AssetSelection.assets("hub_listing"),
    description="List the Hub and record its new and changed datasets (the candidates become partitions).",
)


llm_batch_ingest_job = dg.define_asset_job(
    "ingest_llm_batches",
    selection=dg.AssetSelection.assets("llm_batch_ingest"),
    description="Store the replies of the finished OpenAI batches in llm_calls; re-queue their failed lines.",
)


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that select the partition range first..last (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
