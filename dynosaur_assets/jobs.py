"""The one job: every asset of the pipeline for a range of `hub_datasets` partitions."""

import dagster as dg

dynosaur_job = dg.define_asset_job(
    "dynosaur",
    selection=dg.AssetSelection.all(),
    description="Materialize every asset for the selected Hub datasets (one single run per backfill).",
)


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that select the partition range first..last (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
