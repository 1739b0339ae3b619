"""The jobs: every partitioned asset for a range of `hub_datasets` partitions, and the store-wide
reports (unpartitioned, so in runs of their own: an asset job cannot mix the two)."""

import dagster as dg

STORE_WIDE = dg.AssetSelection.groups("reports")

dynosaur_job = dg.define_asset_job(
    "dynosaur",
    selection=dg.AssetSelection.all() - STORE_WIDE,
    description="Materialize every partitioned asset for the selected Hub datasets (one single run per backfill).",
)


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that select the partition range first..last (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


curation_of_designs_job = dg.define_asset_job(
    "curation_of_designs",
    selection=dg.AssetSelection.assets("task_designs").downstream(include_self=False) - STORE_WIDE,
    description="Curate and embed datasets whose task designs are stored (no LLM call), e.g. the "
    "datasets a budget stop materialized before it failed the run.",
)

reports_job = dg.define_asset_job(
    "reports",
    selection=STORE_WIDE,
    description="Draw the store-wide pictures over every dataset (after the partitioned runs).",
)
