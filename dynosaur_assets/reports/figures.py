"""The pictures people look at, computed from the store and written as PNG under `<db dir>/reports/`:
the funnel, the verb–noun diagram of instructions and the 2-D map of instruction embeddings.

`plots` (matplotlib, ~0.7 s to import) is imported when a picture is drawn, not when the Dagster
definitions load."""

from pathlib import Path

import duckdb
import numpy as np

from dynosaur_assets.reports.verbs import verb_noun_counts
from dynosaur_assets.store import SQL_DIR

FUNNEL_FILE = SQL_DIR / "analysis" / "funnel.sql"
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
    from dynosaur_assets.reports import plots

    stages = [(stage.replace("_", " "), count) for stage, count in conn.execute(FUNNEL_FILE.read_text()).fetchall()]
    return plots.markdown_image(plots.funnel_chart(stages, folder / "funnel.png"), "Funnel: datasets to instances")


def verb_noun_figure(conn: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """The verb–noun diagram of every instruction in the store."""
    from dynosaur_assets.reports import plots

    instructions = [row[0] for row in conn.execute("SELECT base_instruction FROM instructions").fetchall()]
    path = plots.verb_noun_sunburst(verb_noun_counts(instructions), folder / "verb_noun.png")
    return plots.markdown_image(path, "Top verbs and their nouns")


def embedding_figure(conn: duckdb.DuckDBPyConnection, folder: Path, model: str) -> str | None:
    """The 2-D map of the model's instruction embeddings, coloured by task category."""
    rows = conn.execute(MAP_SQL, [model]).fetchall()
    if len(rows) < 2:
        return None
    from dynosaur_assets.reports import plots

    vectors = np.array([row[0] for row in rows], dtype=np.float32)
    path = plots.embedding_map(vectors, [row[1] for row in rows], folder / "embedding_map.png",
                               "Instruction embeddings (PCA), by task category")
    return plots.markdown_image(path, "Instruction embedding map")
