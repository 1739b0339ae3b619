"""The pictures people look at, computed from the store and written as PNG: the funnel, the
verb–noun diagram of instructions and the 2-D map of instruction embeddings.

Each picture covers the datasets it is given (a run's partitions, drawn into `reports/last_run/`, so
a run's pictures cost what the run costs) or, given None, the whole store (the `corpus_reports`
asset, drawn into `reports/`).

`plots` (matplotlib, ~0.5 s to import) is imported when a picture is drawn, not when the Dagster
definitions load."""

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np

from dynosaur_assets.curate.verbs import verb_noun_counts
from dynosaur_assets.store import SQL_DIR

FUNNEL_FILE = SQL_DIR / "analysis" / "funnel.sql"
LAST_RUN = "last_run"
# The tables each query reads that a run's pictures scope to its datasets (`datasets_only`):
# sql/analysis/funnel.sql reads all six; the map scopes the instructions side only (an embedding row
# names the first dataset that embedded its text, which other datasets may share).
FUNNEL_TABLES = ("hub_listing", "hub_datasets", "task_designs", "instructions", "task_rejections",
                 "instruction_samples")
VERB_NOUN_TABLES = ("instructions",)
MAP_TABLES = ("instructions",)
VERB_NOUN_SQL = "SELECT verb, noun, count(*) FROM instructions WHERE verb IS NOT NULL GROUP BY verb, noun"
MAP_SQL = """
SELECT any_value(e.embedding), coalesce(any_value(h.task_categories[1]), 'none')
FROM instruction_embeddings e
JOIN instructions i ON i.instruction = e.instruction
JOIN hub_datasets h ON h.dataset_id = i.dataset_id AND h.config = i.config
WHERE e.model = $model
GROUP BY e.instruction_hash
ORDER BY e.instruction_hash
"""


def last_run_dir(reports: Path) -> Path:
    """`<reports>/last_run/`: the pictures of the latest partitioned run, replaced by the next one."""
    path = reports / LAST_RUN
    path.mkdir(parents=True, exist_ok=True)
    return path


def scope_name(dataset_ids: list[str] | None) -> str:
    """What a picture covers, for its title."""
    if dataset_ids is None:
        return "the store"
    return f"this run's {len(dataset_ids)} dataset{'' if len(dataset_ids) == 1 else 's'}"


def funnel_stages(conn: duckdb.DuckDBPyConnection, dataset_ids: list[str] | None = None) -> list[tuple[str, int]]:
    """funnel.sql's (stage, count) rows over the store, or over the given datasets only."""
    with datasets_only(conn, FUNNEL_TABLES, dataset_ids):
        return conn.execute(FUNNEL_FILE.read_text()).fetchall()


@contextmanager
def datasets_only(
    conn: duckdb.DuckDBPyConnection, tables: Sequence[str], dataset_ids: Sequence[str] | None
) -> Iterator[None]:
    """Within the block, each of these tables names a temporary view of its rows of the given
    datasets only (temporary objects come first in DuckDB's name lookup), so a query runs unchanged
    over a subset of the store. Given None (the whole store), the block runs over the tables as they are."""
    if dataset_ids is None:
        yield
        return
    catalog = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute("CREATE OR REPLACE TEMP TABLE _scope_datasets AS SELECT unnest(?::VARCHAR[]) AS dataset_id",
                 [list(dataset_ids)])
    try:
        for table in tables:
            conn.execute(f'CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM "{catalog}".main.{table} '
                         "WHERE dataset_id IN (SELECT dataset_id FROM temp.main._scope_datasets)")
        yield
    finally:
        for table in tables:
            conn.execute(f"DROP VIEW IF EXISTS temp.main.{table}")
        conn.execute("DROP TABLE IF EXISTS temp.main._scope_datasets")


def verb_noun_pairs(conn: duckdb.DuckDBPyConnection, dataset_ids: list[str] | None = None) -> dict[str, Counter[str]]:
    """verb -> Counter of object nouns, from the `verb` and `noun` columns of `instructions` (what verb_noun_pairs.sql counts)."""
    with datasets_only(conn, VERB_NOUN_TABLES, dataset_ids):
        return verb_noun_counts(conn.execute(VERB_NOUN_SQL).fetchall())


def embedding_points(
    conn: duckdb.DuckDBPyConnection, model: str, dataset_ids: list[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """The model's vectors of the datasets' distinct instructions, and each one's task category."""
    with datasets_only(conn, MAP_TABLES, dataset_ids):
        rows = conn.execute(MAP_SQL, {"model": model}).fetchall()
    return np.array([row[0] for row in rows], dtype=np.float32), [row[1] for row in rows]


def funnel_figure(
    conn: duckdb.DuckDBPyConnection, folder: Path, dataset_ids: list[str] | None = None
) -> tuple[str, list[tuple[str, int]]]:
    """The funnel as `folder/funnel.png`: Markdown that embeds it, and the `funnel_stages` rows drawn."""
    from dynosaur_assets.reports import plots

    stages = funnel_stages(conn, dataset_ids)
    bars = [(stage.replace("_", " "), count) for stage, count in stages]
    title = f"Curation funnel of {scope_name(dataset_ids)}"
    return plots.markdown_image(plots.funnel_chart(bars, folder / "funnel.png", title), title), stages


def verb_noun_figure(conn: duckdb.DuckDBPyConnection, folder: Path, dataset_ids: list[str] | None = None) -> str:
    """The verb–noun diagram of the instructions as `folder/verb_noun.png`; returns its Markdown."""
    from dynosaur_assets.reports import plots

    path = plots.verb_noun_sunburst(verb_noun_pairs(conn, dataset_ids), folder / "verb_noun.png")
    return plots.markdown_image(path, f"Top verbs and their nouns in {scope_name(dataset_ids)}")


def embedding_figure(
    conn: duckdb.DuckDBPyConnection, folder: Path, model: str, dataset_ids: list[str] | None = None
) -> str | None:
    """The 2-D map of the model's instruction embeddings, coloured by task category, as
    `folder/embedding_map.png`; None when there are fewer than two vectors."""
    vectors, categories = embedding_points(conn, model, dataset_ids)
    if len(vectors) < 2:
        (folder / "embedding_map.png").unlink(missing_ok=True)  # no stale map of an earlier run
        return None
    from dynosaur_assets.reports import plots

    title = f"Instruction embeddings (PCA) of {scope_name(dataset_ids)}, by task category"
    path = plots.embedding_map(vectors, categories, folder / "embedding_map.png", title)
    return plots.markdown_image(path, f"Instruction embedding map of {scope_name(dataset_ids)}")
