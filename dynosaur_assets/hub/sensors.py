"""The `new_hub_datasets` sensor: new Hub datasets become partitions and one run materializes them."""

import json

import dagster as dg

from dynosaur_assets.hub.growth import find_new_datasets
from dynosaur_assets.hub.source import HubSource
from dynosaur_assets.jobs import PARTITIONED, dynosaur_job, partition_range_tags
from dynosaur_assets.partitions import hub_dataset_partitions

BATCH_SIZE = 500


@dg.sensor(job=dynosaur_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def new_hub_datasets(context: dg.SensorEvaluationContext, hub_source: HubSource) -> dg.SensorResult | dg.SkipReason:
    """List the Hub, add at most BATCH_SIZE unseen ids as partitions per tick and request one run for
    them. On the real Hub (newest first) the cursor keeps the newest id of the last complete pass,
    so the listing stops there; ids that cannot be partition keys are logged and skipped. The run names
    its assets (as a UI backfill's runs do), which the automation conditions read."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(hub_dataset_partitions.name))
    stop_at = cursor.get("newest") if hub_source.hub == "hf" else None
    found = find_new_datasets(hub_source.iter_dataset_ids(), known, BATCH_SIZE, stop_at)
    for dataset_id, reason in found.invalid.items():
        context.log.warning(f"skipping Hub dataset id {dataset_id!r}: {reason}")
    if found.exhausted and found.head:
        cursor["newest"] = found.head
    if not found.new:
        return dg.SkipReason(f"no new datasets ({len(found.invalid)} invalid ids skipped)")
    context.log.info(f"adding {len(found.new)} new datasets as partitions")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"new-datasets:{found.new[0]}..{found.new[-1]}:{len(known)}",
                tags=partition_range_tags(found.new[0], found.new[-1]),
                asset_selection=list(PARTITIONED.resolve(context.repository_def.asset_graph)),
            )
        ],
        dynamic_partitions_requests=[hub_dataset_partitions.build_add_request(found.new)],
        cursor=json.dumps(cursor),
    )

