"""What `make run` prints: the analysis queries of sql/analysis/ run on the store, or a dry run's
estimate; `make sql` prints every query."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from dynosaur_assets.lake import LakeSettings, settings_from_env
from dynosaur_assets.store import SQL_DIR, open_lake

SUMMARY_QUERIES = ["ingestion_summary.sql", "curation_summary.sql", "rejections_by_rule.sql"]


def print_summary(lake: LakeSettings) -> None:
    """Print each summary query of sql/analysis/ as a table (after `make run`)."""
    print_queries(lake, [SQL_DIR / "analysis" / name for name in SUMMARY_QUERIES])


def print_dry_run(instance: dg.DagsterInstance, run_ids: Sequence[str]) -> None:
    """Print the estimate a dry run of `task_designs` observed (requests, prompt tokens, most it could
    cost, per dataset and in total)."""
    for run_id in run_ids:
        for event in instance.all_logs(run_id, of_type={dg.DagsterEventType.ASSET_OBSERVATION}):
            estimates = event.asset_observation.metadata.get("dry_run/estimates")
            if estimates is not None:
                _print_rows(list(estimates.value.values()))
                return
    print("\nThe dry run estimated nothing (no dataset needs an LLM request).")


ESTIMATE_COLUMNS = ["dataset", "requests", "already_stored", "prompt_tokens", "max_cost_usd"]


def _print_rows(rows: list[dict]) -> None:
    columns = ESTIMATE_COLUMNS
    widths = [max(len(str(column)), *(len(str(row.get(column, ""))) for row in rows)) for column in columns]
    print("\nDry run: no LLM request was sent and no task design was stored (the Hub's metadata was read).\n")
    print("  ".join(str(column).ljust(width) for column, width in zip(columns, widths)))
    for row in rows:
        print("  ".join(str(row.get(column, "")).ljust(width) for column, width in zip(columns, widths)))


def print_all(lake: LakeSettings) -> None:
    """Print every query of sql/analysis/ (`make sql`), in file-name order, as a table."""
    print_queries(lake, sorted((SQL_DIR / "analysis").glob("*.sql")))


def print_queries(lake: LakeSettings, paths: list[Path]) -> None:
    """Run each .sql file on a read-only attachment of the lake (while a run writes too) and print its
    opening comment and result table."""
    with open_lake(lake, read_only=True) as conn:
        print(f"\nStore: {lake.describe()} (data {lake.data_path})")
        for path in paths:
            sql = path.read_text()
            print(f"\n{path.name}: {sql.splitlines()[0]}")
            try:
                conn.sql(sql).show(max_width=200)
            except duckdb.CatalogException as error:  # a store written before a table was declared
                print(f"(skipped: {error}; re-run `make run` to create the missing table)")


if __name__ == "__main__":
    print_all(settings_from_env())
