"""Great Expectations suites as Dagster asset checks: per table, a blocking check for the suite's
`error` expectations and a WARN check for its `warn` ones, on the rows the run just wrote.

GX validates DataFrames read from DuckDB (its SQL route on DuckDB returns empty results). Each suite
is validated once per run and table; both checks of the table share that validation. Every outcome is
also written to `quality_results`.
"""

from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from dynosaur_assets.quality.suites import ExpectationOutcome, quality_rows, validate_frame
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import insert_rows

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
_CONTEXT_TABLES = {"instructions": ["hub_datasets", "instruction_samples"]}
_validated: dict[tuple[str, str], list[ExpectationOutcome]] = {}


def table_frame(conn: duckdb.DuckDBPyConnection, table: str, dataset_ids: Sequence[str]) -> pd.DataFrame:
    """The rows of the given datasets, as a pandas DataFrame."""
    return conn.execute(f"SELECT * FROM {table} WHERE list_contains(?, dataset_id)", [list(dataset_ids)]).df()


def run_outcomes(conn: duckdb.DuckDBPyConnection, run_id: str, table: str, keys: Sequence[str]) -> list[ExpectationOutcome]:
    """Validate the table's rows for these partitions once per run; both checks reuse the outcomes."""
    if (run_id, table) not in _validated:
        context = {name: table_frame(conn, name, keys) for name in _CONTEXT_TABLES.get(table, [])}
        _validated.clear()
        _validated[(run_id, table)] = validate_frame(table, table_frame(conn, table, keys), context)
    return _validated[(run_id, table)]


def partition_label(keys: Sequence[str]) -> str:
    """What `quality_results.partition` holds: the key, or `first..last` for a single-run range."""
    return keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"


def check_result(outcomes: list[ExpectationOutcome], severity: str) -> dg.AssetCheckResult:
    """Passed when no expectation of this severity failed; failures named with examples."""
    failed = [o for o in outcomes if not o.success]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{o.name} ({o.unexpected_count} rows)" for o in failed) or None,
        metadata={
            "expectations": len(outcomes),
            "failed": len(failed),
            "failures": dg.MetadataValue.json(
                [{"expectation": o.name, "type": o.expectation, "unexpected_count": o.unexpected_count,
                  "examples": o.unexpected_examples} for o in failed]
            ),
        },
    )


def build_check(table: str, severity: str) -> dg.AssetChecksDefinition:
    """The check of one table for one severity (`error` checks are blocking)."""
    kind = "errors" if severity == "error" else "warnings"

    @dg.asset_check(
        asset=TABLE_ASSETS[table],
        name=f"{table}_{kind}",
        blocking=severity == "error",
        description=f"Great Expectations suite expectations/{table}.json, {severity} expectations.",
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DynosaurDuckDB) -> dg.AssetCheckResult:
        keys = list(context.partition_keys)
        with duckdb.get_connection() as conn:
            outcomes = [o for o in run_outcomes(conn, context.run.run_id, table, keys) if o.severity == severity]
            insert_rows(conn, "quality_results", quality_rows(outcomes, context.run.run_id, partition_label(keys)))
        return check_result(outcomes, severity)

    return _check


quality_checks = [build_check(table, severity) for table in TABLE_ASSETS for severity in ("error", "warn")]
