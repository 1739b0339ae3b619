"""The Batch API's Dagster layer: `llm_batch_ingest`, which stores the replies of the finished batches
in `llm_calls` and re-queues their failed or missing lines (requested by the `llm_batches` sensor)."""

from dataclasses import replace

import dagster as dg

from dynosaur_assets.design.batch_client import BatchAPIError, BatchClient
from dynosaur_assets.design.batch_store import BatchOutcome, open_batches
from dynosaur_assets.design.call_store import DuckDBCallStore
from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.metadata import markdown_table
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "batch"


@dg.asset(group_name=GROUP, kinds={"duckdb", "openai"})
def llm_batch_ingest(context: dg.AssetExecutionContext, task_designer: TaskDesigner,
                     duckdb: DynosaurDuckDB) -> dg.MaterializeResult:
    """Every open batch that has finished (completed, expired, failed, cancelled): its answered lines
    into `llm_calls` (mode batch, batch prices), its failed and missing lines in a new batch (after three
    batches, stored as failed calls), its outcome in `llm_batch_outcomes`. Batches still running are
    left for a later run. The sensor then requests the runs of the datasets whose calls are all stored."""
    outcomes: list[BatchOutcome] = []
    with duckdb.get_connection() as conn:
        store, prices = DuckDBCallStore(conn), PriceTable(task_designer.prices_file or None)
        records = open_batches(conn)
        for record in records:
            settings = replace(task_designer.settings(), model=record.model)
            client = BatchClient(task_designer.api_key, settings, store, prices)
            try:
                outcome = client.ingest(record)
            except BatchAPIError as error:
                raise dg.Failure(description=str(error), allow_retries=False) from None
            if outcome:
                context.log.info(f"batch {record.batch_id}: {outcome.status}, {outcome.completed} stored, "
                                 f"{outcome.failed} failed, {outcome.missing} missing")
                outcomes.append(outcome)
    rows = [{"batch_id": o.batch_id, "status": o.status, "completed": o.completed, "failed": o.failed,
             "missing": o.missing, "requeued_as": o.requeued_batch_id or ""} for o in outcomes]
    return dg.MaterializeResult(metadata={
        "batches_closed": len(outcomes),
        "batches_still_open": len(records) - len(outcomes) + sum(bool(o.requeued_batch_id) for o in outcomes),
        "calls_stored": sum(o.completed for o in outcomes),
        "lines_requeued": sum(o.failed + o.missing for o in outcomes if o.requeued_batch_id),
        "outcomes": dg.MetadataValue.md(markdown_table(rows, list(rows[0]) if rows else ["batch_id"])),
    })

