"""The pictures people look at, computed from the store and written as PNG under `<db dir>/reports/`:
the funnel, the verb–noun diagram of instructions and the 2-D map of instruction embeddings."""

from pathlib import Path

import duckdb
import numpy as np

from dynosaur_assets.reports.plots import embedding_map, funnel_chart, markdown_image, verb_noun_sunburst
from dynosaur_assets.reports.verbs import verb_noun_counts

FUNNEL_SQL = """
SELECT
    (SELECT count(DISTINCT dataset_id) FROM hub_datasets),
    (SELECT count(*) FROM hub_datasets),
    (SELECT count(*) FROM hub_datasets WHERE keep),
    (SELECT count(*) FROM task_designs WHERE parse_error IS NULL),
    (SELECT count(*) FROM instructions),
    (SELECT count(*) FROM instruction_samples)
"""
FUNNEL_STAGES = ("datasets", "configs", "kept configs", "proposals", "valid tasks", "instances")
MAP_SQL = """
SELECT e.embedding, coalesce(any_value(h.task_categories[1]), 'none')
FROM instruction_embeddings e
JOIN instructions i ON i.instruction = e.instruction
JOIN hub_datasets h ON h.dataset_id = i.dataset_id AND h.config = i.config
WHERE e.model = ?
GROUP BY e.instruction_hash, e.embedding
ORDER BY e.instruction_hash
"""


def reports_dir(database: Path) -> Path:
    """`reports/` beside the DuckDB file (data/reports/ by default)."""
    path = database.parent / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def funnel_figure(conn: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """The whole store's funnel as a PNG; returns Markdown that embeds it."""
    counts = conn.execute(FUNNEL_SQL).fetchall()[0]
    path = funnel_chart(list(zip(FUNNEL_STAGES, counts)), folder / "funnel.png")
    return markdown_image(path, "Funnel: datasets to instances")


def verb_noun_figure(conn: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """The verb–noun diagram of every instruction in the store."""
    instructions = [row[0] for row in conn.execute("SELECT base_instruction FROM instructions").fetchall()]
    path = verb_noun_sunburst(verb_noun_counts(instructions), folder / "verb_noun.png")
    return markdown_image(path, "Top verbs and their nouns")


def embedding_figure(conn: duckdb.DuckDBPyConnection, folder: Path, model: str) -> str | None:
    """The 2-D map of the model's instruction embeddings, coloured by task category."""
    rows = conn.execute(MAP_SQL, [model]).fetchall()
    if len(rows) < 2:
        return None
    vectors = np.array([row[0] for row in rows], dtype=np.float32)
    path = embedding_map(vectors, [row[1] for row in rows], folder / "embedding_map.png",
                         "Instruction embeddings (PCA), by task category")
    return markdown_image(path, "Instruction embedding map")
