"""The `llm_batches` sensor: polls the open batches of the Batch API and requests an `llm_batch_ingest`
run once some have finished; then requests a run of the datasets whose batched calls are all stored,
which materialize from `llm_calls` as in synchronous mode. Reads the store read-only, as
`new_hub_datasets` does: every write happens in a run."""

import hashlib
from datetime import datetime

import dagster as dg
import duckdb as duckdb_module
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES

from dynosaur_assets.batch.ranges import partition_ranges
from dynosaur_assets.design.batch_client import TERMINAL_STATUSES, BatchAPIError, BatchClient
from dynosaur_assets.design.batch_store import BatchRecord, last_closed_at, open_batches, ready_partitions
from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.jobs import PARTITIONED, dynosaur_job, llm_batch_ingest_job, partition_range_tags
from dynosaur_assets.lake import LakeConfigError
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB

STEP_ASSETS = {"design": "task_designs", "review": "task_reviews"}
POLL_INTERVAL_S = 60


@dg.sensor(jobs=[llm_batch_ingest_job, dynosaur_job], minimum_interval_seconds=POLL_INTERVAL_S,
           default_status=dg.DefaultSensorStatus.RUNNING)
def llm_batches(context: dg.SensorEvaluationContext, task_designer: TaskDesigner,
                duckdb: DynosaurDuckDB) -> dg.SensorResult | dg.SkipReason:
    """Request `llm_batch_ingest` when an open batch has finished (and no ingest run is under way), and
    one run per range of datasets whose batched calls are all stored, from the step that batched them
    on (llm_mode batch). The cursor is the close time of the latest batch handled."""
    after = datetime.fromisoformat(context.cursor) if context.cursor else None
    try:
        with duckdb.read_connection() as conn:
            records, ready, closed = open_batches(conn), ready_partitions(conn, after), last_closed_at(conn)
    except (LakeConfigError, duckdb_module.CatalogException):
        return dg.SkipReason("no store with batch tables yet")
    requests = _ingest_request(context.instance, task_designer, records)
    partitions = context.instance.get_dynamic_partitions(hub_dataset_partitions.name)
    for step, datasets in ready.items():
        requests += _step_requests(context.repository_def.asset_graph, step, partition_ranges(partitions, datasets),
                                   closed)
    cursor = closed.isoformat() if closed else context.cursor
    if not requests:
        return dg.SkipReason(f"{len(records)} batches open, none finished; no dataset ready") if records else \
            dg.SkipReason("no open batch")
    return dg.SensorResult(run_requests=requests, cursor=cursor)


def _ingest_request(instance: dg.DagsterInstance, task_designer: TaskDesigner,
                    records: list[BatchRecord]) -> list[dg.RunRequest]:
    if not records or instance.get_runs(dg.RunsFilter(job_name=llm_batch_ingest_job.name,
                                                      statuses=list(NOT_FINISHED_STATUSES)), limit=1):
        return []
    client = BatchClient(task_designer.api_key, task_designer.settings(), store=None)
    try:
        finished = [r.batch_id for r in records if client.status(r.batch_id) in TERMINAL_STATUSES]
    except BatchAPIError as error:
        raise dg.Failure(description=str(error)) from None
    if not finished:
        return []
    key = hashlib.sha256(",".join(finished).encode()).hexdigest()[:16]
    return [dg.RunRequest(job_name=llm_batch_ingest_job.name, run_key=f"ingest:{key}")]


def _step_requests(asset_graph, step: str, ranges: list[tuple[str, str]],
                   closed: datetime | None) -> list[dg.RunRequest]:
    """One run per range: the step's asset and the partitioned assets after it, in batch mode."""
    asset = STEP_ASSETS[step]
    selection = list((dg.AssetSelection.assets(asset).downstream() & PARTITIONED).resolve(asset_graph))
    config = {"llm_mode": "batch"}
    ops = {name: {"config": config} for name in STEP_ASSETS.values() if dg.AssetKey(name) in selection}
    return [dg.RunRequest(job_name=dynosaur_job.name, run_key=f"batched-{step}:{first}..{last}:{closed}",
                          tags=partition_range_tags(first, last), asset_selection=selection,
                          run_config={"ops": ops}) for first, last in ranges]
