"""The summary `make run` prints: the analysis queries of sql/analysis/ run on the store."""

from pathlib import Path

import duckdb

from dynosaur_assets.store import SQL_DIR

SUMMARY_QUERIES = ["ingestion_summary.sql", "curation_summary.sql", "rejections_by_rule.sql"]


def print_summary(database: Path) -> None:
    """Print each summary query of sql/analysis/ as a table."""
    with duckdb.connect(str(database), read_only=True) as conn:
        print(f"\nStore: {database}")
        for name in SUMMARY_QUERIES:
            sql = (SQL_DIR / "analysis" / name).read_text()
            print(f"\n{sql.splitlines()[0]}")
            conn.sql(sql).show(max_width=200)
