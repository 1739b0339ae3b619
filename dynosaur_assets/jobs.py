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


curation_of_designs_job = dg.define_asset_job(
    "curation_of_designs",
    selection=dg.AssetSelection.assets("task_designs").downstream(include_self=False),
    description="Curate and embed datasets whose task designs are stored (no LLM call), e.g. the "
    "datasets a budget stop materialized before it failed the run.",
)
