"""Reading the corpus at one DuckLake snapshot: which snapshot an export is a version of, the
deduplicated instances with their task's and source's metadata as a polars frame, and the LLM cost."""

import duckdb
import polars as pl

from dynosaur_assets.lake import LAKE

# What the export reads: the view and the tables behind it, and the tables it joins.
READ_TABLES = ("corpus_instances", "instruction_samples", "instance_duplicates", "instructions", "hub_datasets",
               "task_verdicts", "task_reviews", "task_review_overrides")
# Snapshot changes that rearrange files without changing any row (CHECKPOINT and its parts).
LAYOUT_ONLY_CHANGES = frozenset({"flushed_inlined", "merge_adjacent", "rewrite_delete"})


class NotALake(ValueError):
    """The store has no DuckLake snapshots (a plain DuckDB file): exports are versioned by snapshot."""


def export_snapshot(conn: duckdb.DuckDBPyConnection, tables: tuple[str, ...] = READ_TABLES) -> int:
    """The latest snapshot that changed a row or the definition of one of `tables`: commits to other
    tables (llm_calls, quality_results) and file maintenance do not make a new version."""
    names = _catalog_names(conn, tables)
    for snapshot_id, changes in conn.execute(
            f"SELECT snapshot_id, changes FROM {LAKE}.snapshots() ORDER BY snapshot_id DESC").fetchall():
        if any(kind not in LAYOUT_ONLY_CHANGES and names.intersection(targets) for kind, targets in changes.items()):
            return snapshot_id
    raise NotALake("no snapshot of the lake created the corpus tables")


def _catalog_names(conn: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> set[str]:
    """How snapshots name these tables and views in their changes: ids (of any past incarnation) and
    schema-qualified names."""
    try:
        rows = conn.execute(f"""
            SELECT table_id, table_name FROM __ducklake_metadata_{LAKE}.ducklake_table
            UNION ALL SELECT view_id, view_name FROM __ducklake_metadata_{LAKE}.ducklake_view""").fetchall()
    except duckdb.CatalogException:
        raise NotALake("the store is not a DuckLake: set DYNOSAUR_CATALOG to export versions of it") from None
    wanted = set(tables)
    return {str(ident) for ident, name in rows if name in wanted} | {f"main.{name}" for name in wanted}


def read_corpus(conn: duckdb.DuckDBPyConnection, snapshot: int) -> pl.DataFrame:
    """Every instance of `corpus_instances` at the snapshot, ordered by (dataset_id, task_id,
    instance_idx), with its task's designer and model, its source's card licence and task categories,
    and its task's final review verdict and where it came from (task_verdicts)."""
    at = f"AT (VERSION => {int(snapshot)})"
    return conn.execute(f"""
        SELECT c.dataset_id, c.config, c.task_id, c.instance_idx,
               c.instruction, c.input, c.output, c.license, c.website, c.taskname,
               i.designer, i.model, h.license AS source_license,
               coalesce(h.task_categories, []::VARCHAR[]) AS task_categories,
               v.verdict, v.source AS verdict_source
        FROM corpus_instances AS c {at}
        JOIN instructions AS i {at} ON i.dataset_id = c.dataset_id AND i.task_id = c.task_id
        LEFT JOIN hub_datasets AS h {at} ON h.dataset_id = c.dataset_id AND h.config = c.config
        LEFT JOIN task_verdicts AS v {at} ON v.dataset_id = c.dataset_id AND v.task_id = c.task_id
        ORDER BY c.dataset_id, c.task_id, c.instance_idx""").pl()


def llm_cost(conn: duckdb.DuckDBPyConnection, snapshot: int, dataset_ids: list[str]) -> tuple[float, float]:
    """The LLM cost (USD) recorded in llm_calls at the snapshot: for these datasets, and in total."""
    part, total = conn.execute(f"""
        SELECT coalesce(sum(cost_usd) FILTER (dataset_id IN (SELECT unnest(?::VARCHAR[]))), 0),
               coalesce(sum(cost_usd), 0)
        FROM llm_calls AT (VERSION => {int(snapshot)})""", [dataset_ids]).fetchone()
    return float(part), float(total)
