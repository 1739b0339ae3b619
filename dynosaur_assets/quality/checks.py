"""Great Expectations suites as Dagster asset checks: one `@multi_asset_check` per table, on the rows
of the run's partitions, yielding a blocking check for the suite's `critical` expectations
(`<table>_errors`) and a WARN check for its `warning` ones (`<table>_warnings`).

Each check step reads its table's rows of the run's partitions from DuckDB, validates the whole suite
once (quality/suites.py) and writes every outcome to `quality_results` in one transaction. Checks share
no state: each works the same in its own process.
"""

from collections.abc import Iterator, Sequence

import dagster as dg
import duckdb
import pandas as pd

from dynosaur_assets.quality.outcomes import ExpectationOutcome, quality_rows
from dynosaur_assets.quality.suites import validate_frame
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import insert_rows, transaction

# The asset whose materialization writes each table.
TABLE_ASSETS = {
    "hub_datasets": "hub_datasets",
    "hub_samples": "hub_samples",
    "task_designs": "task_designs",
    "llm_calls": "task_designs",
    "instructions": "instructions",
    "task_rejections": "task_rejections",
    "instruction_samples": "instruction_samples",
    "instruction_embeddings": "instruction_embeddings",
}
# What a suite's helper columns read from other tables (quality/helper_columns.py): only these columns.
CONTEXT_QUERIES = {
    "instructions": {
        "hub_datasets": "SELECT dataset_id, config, field_names FROM hub_datasets",
        "instruction_samples": "SELECT DISTINCT dataset_id, task_id, output FROM instruction_samples",
    },
}
CHECK_KINDS = {"error": "errors", "warn": "warnings"}


def datasets_frame(conn: duckdb.DuckDBPyConnection, query: str, dataset_ids: Sequence[str]) -> pd.DataFrame:
    """A query's rows of the given datasets (the query selects `dataset_id`), as a pandas DataFrame."""
    return conn.execute(f"SELECT * FROM ({query}) WHERE list_contains(?, dataset_id)", [list(dataset_ids)]).df()


def table_frames(
    conn: duckdb.DuckDBPyConnection, table: str, dataset_ids: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The table's rows of these datasets, and what its suite's helper columns read from other tables."""
    queries = CONTEXT_QUERIES.get(table, {})
    context_frames = {name: datasets_frame(conn, query, dataset_ids) for name, query in queries.items()}
    return datasets_frame(conn, f"SELECT * FROM {table}", dataset_ids), context_frames


def partition_label(keys: Sequence[str]) -> str:
    """What `quality_results.partition` holds: the key, or `first..last` for a single-run range."""
    return keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"


def write_outcomes(
    conn: duckdb.DuckDBPyConnection, run_id: str, partition: str, table: str, outcomes: list[ExpectationOutcome]
) -> int:
    """Replace the run's `quality_results` rows of this suite and partition with `outcomes`, in one
    insert and one transaction."""
    with transaction(conn, f"quality of {table} for {partition}", {"rows": {"quality_results": len(outcomes)}}):
        conn.execute(
            "DELETE FROM quality_results WHERE run_id = ? AND partition = ? AND suite = ?", [run_id, partition, table]
        )
        return insert_rows(conn, "quality_results", quality_rows(outcomes, run_id, partition))


def check_result(table: str, rows: int, outcomes: list[ExpectationOutcome], severity: str) -> dg.AssetCheckResult:
    """The table's check of one severity on `rows` rows: passed when none of its expectations failed;
    failures named, with examples."""
    outcomes = [o for o in outcomes if o.severity == severity]
    failed = [o for o in outcomes if not o.success]
    return dg.AssetCheckResult(
        asset_key=TABLE_ASSETS[table],
        check_name=f"{table}_{CHECK_KINDS[severity]}",
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{o.name} ({o.unexpected_count} rows)" for o in failed) or None,
        metadata={
            "rows": rows,
            "expectations": len(outcomes),
            "failed": len(failed),
            "failures": dg.MetadataValue.json(
                [{"expectation": o.name, "type": o.expectation, "unexpected_count": o.unexpected_count,
                  "examples": o.unexpected_examples} for o in failed]
            ),
        },
    )


def build_table_check(table: str) -> dg.AssetChecksDefinition:
    """The table's two checks, computed in one step: `<table>_errors` (blocking) and `<table>_warnings`."""
    suite = f"Great Expectations suite expectations/{table}.json"

    @dg.multi_asset_check(
        name=f"{table}_quality",
        specs=[
            dg.AssetCheckSpec(f"{table}_errors", asset=TABLE_ASSETS[table], blocking=True,
                              description=f"{suite}, critical expectations (blocking)."),
            dg.AssetCheckSpec(f"{table}_warnings", asset=TABLE_ASSETS[table],
                              description=f"{suite}, warning expectations."),
        ],
        description=f"Validates the run's {table} rows once against {suite}; writes quality_results.",
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DynosaurDuckDB) -> Iterator[dg.AssetCheckResult]:
        keys = list(context.partition_keys)
        with duckdb.get_connection() as conn:
            frame, context_frames = table_frames(conn, table, keys)
            outcomes = validate_frame(table, frame, context_frames)
            write_outcomes(conn, context.run.run_id, partition_label(keys), table, outcomes)
        for severity in CHECK_KINDS:
            yield check_result(table, len(frame), outcomes, severity)

    return _check


quality_checks = [build_table_check(table) for table in TABLE_ASSETS]
