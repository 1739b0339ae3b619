"""The summary `make run` prints: the analysis queries of sql/analysis/ run on the store."""

from pathlib import Path

import duckdb

from dynosaur_assets.store import SQL_DIR

SUMMARY_QUERIES = ["ingestion_summary.sql", "curation_summary.sql", "rejections_by_rule.sql"]


def print_summary(database: Path) -> None:
    """Print each summary query of sql/analysis/ as a table (after `make run`)."""
    print_queries(database, [SQL_DIR / "analysis" / name for name in SUMMARY_QUERIES])


def print_all(database: Path) -> None:
    """Print every query of sql/analysis/ (`make sql`), in file-name order, as a table."""
    print_queries(database, sorted((SQL_DIR / "analysis").glob("*.sql")))


def print_queries(database: Path, paths: list[Path]) -> None:
    """Run each .sql file read-only on the store and print its opening comment and result table."""
    with duckdb.connect(str(database), read_only=True) as conn:
        print(f"\nStore: {database}")
        for path in paths:
            sql = path.read_text()
            print(f"\n{path.name}: {sql.splitlines()[0]}")
            try:
                conn.sql(sql).show(max_width=200)
            except duckdb.CatalogException as error:  # a store written before a table was declared
                print(f"(skipped: {error}; re-run `make run` to create the missing table)")


if __name__ == "__main__":
    import os

    from dynosaur_assets.paths import project_path

    print_all(project_path(os.environ.get("DYNOSAUR_DB", "data/dynosaur.duckdb")))
