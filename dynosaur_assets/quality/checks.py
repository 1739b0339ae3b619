"""Great Expectations suites as Dagster asset checks: per table, a blocking check for the suite's
`error` expectations and a WARN check for its `warn` ones, on the rows the run just wrote.

GX validates DataFrames read from DuckDB (its SQL route on DuckDB returns empty results), in the
run's validation worker process (quality/worker.py), started with the run so that GX's import stays
out of it. Each suite is validated once per run and table, by whichever of the table's two checks runs
first: that step reads the rows, has the worker validate the whole suite once and writes every
outcome (both severities) to `quality_results` in one transaction; the other check of the table
reuses the outcomes without touching DuckDB. The first check of the tables an asset step wrote also
sends the step's other tables to the worker (`STEP_TABLES`), so that their validations overlap with
the steps in between. A check that finds no outcomes of its run (e.g. launched alone, or in another
process) validates itself; the write replaces the (run, partition, suite) rows, so it never doubles.
"""

import threading
from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from dynosaur_assets.quality.suites import ExpectationOutcome, quality_rows
from dynosaur_assets.quality.worker import validation_worker
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import insert_rows, transaction

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
# What a suite's helper columns read from other tables (quality/suites.py): only these columns.
_CONTEXT_QUERIES = {
    "instructions": {
        "hub_datasets": "SELECT dataset_id, config, field_names FROM hub_datasets",
        "instruction_samples": "SELECT DISTINCT dataset_id, task_id, output FROM instruction_samples",
    },
}
# The tables each asset step writes. The first check of one of them sends them all to the worker,
# which validates the others while this check's step ends and the next ones start.
STEP_TABLES = (
    ("hub_datasets", "hub_samples"),
    ("task_designs", "llm_calls"),
    ("instructions", "task_rejections", "instruction_samples"),
    ("instruction_embeddings",),
)
# For the current run only (cleared when a new run validates): (run_id, table) -> outcomes of the
# table's suite (both checks of a table share one validation and one write), or the worker's ticket
# of a validation submitted and not collected yet.
_validated: dict[tuple[str, str], list[ExpectationOutcome]] = {}
_submitted: dict[tuple[str, str], int] = {}
_LOCK = threading.Lock()


def table_frame(conn: duckdb.DuckDBPyConnection, table: str, dataset_ids: Sequence[str]) -> pd.DataFrame:
    """The rows of the given datasets, as a pandas DataFrame."""
    return datasets_frame(conn, f"SELECT * FROM {table}", dataset_ids)


def datasets_frame(conn: duckdb.DuckDBPyConnection, query: str, dataset_ids: Sequence[str]) -> pd.DataFrame:
    """A query's rows of the given datasets (the query selects `dataset_id`), as a pandas DataFrame."""
    return conn.execute(f"SELECT * FROM ({query}) WHERE list_contains(?, dataset_id)", [list(dataset_ids)]).df()


def partition_label(keys: Sequence[str]) -> str:
    """What `quality_results.partition` holds: the key, or `first..last` for a single-run range."""
    return keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"


def write_outcomes(
    conn: duckdb.DuckDBPyConnection, run_id: str, partition: str, table: str, outcomes: list[ExpectationOutcome]
) -> int:
    """Replace the run's `quality_results` rows of this suite and partition with `outcomes`, in one
    insert and one transaction."""
    with transaction(conn):
        conn.execute(
            "DELETE FROM quality_results WHERE run_id = ? AND partition = ? AND suite = ?", [run_id, partition, table]
        )
        return insert_rows(conn, "quality_results", quality_rows(outcomes, run_id, partition))


def run_outcomes(
    resource: DynosaurDuckDB, context: dg.AssetCheckExecutionContext, table: str
) -> list[ExpectationOutcome]:
    """The outcomes of the table's suite on the run's partitions: validated and written by the first
    check of the table in this run, reused by the second."""
    run_id = context.run.run_id
    with _LOCK:
        outcomes = _validated.get((run_id, table))
        if outcomes is not None:
            return outcomes
        _forget_other_runs(run_id)
        keys = list(context.partition_keys)
        with resource.get_connection() as conn:
            siblings = next(tables for tables in STEP_TABLES if table in tables)
            for name in sorted(siblings, key=lambda name: name != table):  # its own first
                if (run_id, name) not in _validated and (run_id, name) not in _submitted:
                    _submitted[(run_id, name)] = submit_validation(conn, name, keys)
            outcomes = validation_worker().result(_submitted.pop((run_id, table)))
            write_outcomes(conn, run_id, partition_label(keys), table, outcomes)
        _validated[(run_id, table)] = outcomes
        return outcomes


def submit_validation(conn: duckdb.DuckDBPyConnection, table: str, dataset_ids: Sequence[str]) -> int:
    """Read the table's rows of these datasets (and what its suite needs from other tables) and send
    them to the validation worker; return the worker's ticket."""
    frames = {name: datasets_frame(conn, query, dataset_ids) for name, query in _CONTEXT_QUERIES.get(table, {}).items()}
    return validation_worker().submit(table, table_frame(conn, table, dataset_ids), frames)


def _forget_other_runs(run_id: str) -> None:
    for key in [key for key in _submitted if key[0] != run_id]:
        validation_worker().discard(_submitted.pop(key))
    for key in [key for key in _validated if key[0] != run_id]:
        del _validated[key]


def check_result(outcomes: list[ExpectationOutcome], severity: str) -> dg.AssetCheckResult:
    """Passed when no expectation of this severity failed; failures named with examples."""
    outcomes = [o for o in outcomes if o.severity == severity]
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
        return check_result(run_outcomes(duckdb, context, table), severity)

    return _check


quality_checks = [build_check(table, severity) for table in TABLE_ASSETS for severity in ("error", "warn")]
