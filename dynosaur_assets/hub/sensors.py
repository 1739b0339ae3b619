"""The `new_hub_datasets` sensor: the Hub is listed by a run of `hub_listing` every so often; the
candidates it stored become partitions, at most DYNOSAUR_HUB_MAX_NEW a tick in DYNOSAUR_HUB_ORDER, and one
run materializes them; datasets whose commit changed are read again."""

import time

import dagster as dg
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES

from dynosaur_assets.hub.listing_store import PartitionPlan, plan_partitions
from dynosaur_assets.hub.source import HubSource
from dynosaur_assets.jobs import PARTITIONED, dynosaur_job, hub_listing_job, partition_range_tags
from dynosaur_assets.lake import LakeConfigError
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB

LISTING = dg.AssetKey("hub_listing")


@dg.sensor(jobs=[hub_listing_job, dynosaur_job], minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.STOPPED)
def new_hub_datasets(context: dg.SensorEvaluationContext, hub_source: HubSource,
                     duckdb: DynosaurDuckDB) -> dg.SensorResult | dg.SkipReason:
    """Request a `hub_listing` run when the last listing is older than DYNOSAUR_HUB_LISTING_INTERVAL_S
    and none is under way; add the stored candidates that are not partitions yet (the cap, the order)
    and request one run for them, plus one run per partition whose listed commit changed. Reads the
    store read-only: the tick's work does not grow with the Hub's size beyond one query."""
    instance = context.instance
    requests = [_listing_request()] if _listing_due(instance, hub_source.listing_interval_s) else []
    plan = _plan(instance, hub_source, duckdb)
    requests += _partition_requests(plan, context.repository_def.asset_graph)
    if not requests:
        return dg.SkipReason("no new or changed candidates; the listing is recent")
    if plan.new or plan.changed:
        context.log.info(f"adding {len(plan.new)} new datasets ({plan.waiting} candidates wait for later ticks), "
                         f"reading {len(plan.changed)} changed ones again")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[hub_dataset_partitions.build_add_request(plan.new)] if plan.new else [],
    )


def _listing_due(instance: dg.DagsterInstance, interval_s: float) -> bool:
    listing_runs = instance.get_runs(dg.RunsFilter(job_name=hub_listing_job.name, statuses=list(NOT_FINISHED_STATUSES)),
                                     limit=1)
    if listing_runs:
        return False
    last = instance.get_latest_materialization_event(LISTING)
    return last is None or time.time() - last.timestamp >= interval_s


def _listing_request() -> dg.RunRequest:
    return dg.RunRequest(job_name=hub_listing_job.name, run_key=f"hub-listing:{int(time.time())}")


def _plan(instance: dg.DagsterInstance, hub_source: HubSource, duckdb: DynosaurDuckDB) -> PartitionPlan:
    """What to read, from the stored listing (nothing before the first listing run created the store)."""
    partitions = instance.get_dynamic_partitions(hub_dataset_partitions.name)
    try:
        with duckdb.read_connection() as conn:
            if not conn.execute("SELECT count(*) FROM hub_listing").fetchone()[0]:
                return PartitionPlan()
            return plan_partitions(conn, partitions, hub_source.order, hub_source.max_new)
    except LakeConfigError:
        return PartitionPlan()


def _partition_requests(plan: PartitionPlan, asset_graph) -> list[dg.RunRequest]:
    """One run over the new partitions (added at the end of the partition list, so a range), one per
    changed partition. Runs name their assets, as a UI backfill's runs do (the automation reads that)."""
    selection = list(PARTITIONED.resolve(asset_graph))
    requests = [
        dg.RunRequest(job_name=dynosaur_job.name, run_key=f"changed:{dataset_id}:{sha}", partition_key=dataset_id,
                      asset_selection=selection)
        for dataset_id, sha in plan.changed
    ]
    if plan.new:
        requests.append(dg.RunRequest(job_name=dynosaur_job.name, run_key=f"new-datasets:{plan.new[0]}..{plan.new[-1]}",
                                      tags=partition_range_tags(plan.new[0], plan.new[-1]), asset_selection=selection))
    return requests
