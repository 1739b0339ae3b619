"""Maintenance asset: `lake_checkpoint`, DuckLake's CHECKPOINT on a schedule (unpartitioned; the
automation sensor materializes it after each tick of DYNOSAUR_MAINTENANCE_CRON, in the run queue like
any run, so never beside a run writing a SQLite catalog)."""

import os
import time

import dagster as dg

from dynosaur_assets.automation import on_schedule
from dynosaur_assets.lake import LakeFiles, checkpoint_lake, lake_files
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "maintenance"
CRON = "DYNOSAUR_MAINTENANCE_CRON"
KEEP_UNUSED_FILES = "1 hour"  # how long a file no snapshot reads stays for readers of older snapshots


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "ducklake"},
    automation_condition=on_schedule(os.environ.get(CRON, ENV_DEFAULTS[CRON])),
)
def lake_checkpoint(context: dg.AssetExecutionContext, duckdb: DynosaurDuckDB) -> dg.MaterializeResult:
    """Small writes (one snapshot per dataset, rows inlined in the catalog) become few Parquet files:
    inlined rows are flushed, adjacent files merged, snapshots older than the retention
    (DYNOSAUR_SNAPSHOT_RETENTION) expired and files unused for an hour deleted. Tables keep their rows;
    versions older than the retention can no longer be queried with `AT (VERSION => n)`."""
    if not duckdb.catalog:
        with duckdb.get_connection() as conn:
            conn.execute("CHECKPOINT")
        return dg.MaterializeResult(metadata={"store": "a DuckDB database file: checkpointed"})
    settings = duckdb.lake()
    started = time.perf_counter()
    with duckdb.get_connection() as conn:
        before = lake_files(conn, settings)
        checkpoint_lake(conn, duckdb.snapshot_retention, KEEP_UNUSED_FILES)
        after = lake_files(conn, settings)
    context.log.info("lake checkpoint: %d -> %d data files, %d -> %d snapshots", before.live_files,
                     after.live_files, before.snapshots, after.snapshots)
    return dg.MaterializeResult(metadata={
        **_files_metadata("before", before), **_files_metadata("after", after),
        "retention": duckdb.snapshot_retention, "seconds": dg.MetadataValue.float(time.perf_counter() - started),
    })


def _files_metadata(when: str, files: LakeFiles) -> dict[str, dg.MetadataValue]:
    values = {f"{when}/live_files": dg.MetadataValue.int(files.live_files),
              f"{when}/snapshots": dg.MetadataValue.int(files.snapshots)}
    if files.files_on_disk is not None:
        values[f"{when}/parquet_files_on_disk"] = dg.MetadataValue.int(files.files_on_disk)
    if files.catalog_mb is not None:
        values[f"{when}/catalog_mb"] = dg.MetadataValue.float(round(files.catalog_mb, 2))
    return values
