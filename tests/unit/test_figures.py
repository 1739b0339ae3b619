"""reports.figures: each picture's data covers the given datasets only, or the whole store given None."""

import datetime
import re
from collections import Counter

import duckdb
import pytest

from dynosaur_assets.curate.verbs import with_verb_noun
from dynosaur_assets.reports.figures import (
    FUNNEL_FILE,
    FUNNEL_TABLES,
    embedding_figure,
    embedding_points,
    funnel_figure,
    funnel_stages,
    last_run_dir,
    verb_noun_figure,
    verb_noun_pairs,
)
from dynosaur_assets.store import apply_schema

MODEL = "test-model"
NOW = datetime.datetime(2026, 1, 1)
# dataset -> (category, [base instructions]); "Classify the review." is in both datasets.
STORE = {
    "a/reviews": ("text-classification", ["Classify the review.", "Summarize the reviews."]),
    "b/news": ("summarization", ["Classify the review.", "Summarize the article.", "Translate it."]),
}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    """An in-memory store with two datasets of one config each (plus one dropped config in b/news)."""
    conn = duckdb.connect()
    apply_schema(conn)
    for n, (dataset_id, (category, texts)) in enumerate(STORE.items()):
        conn.execute("INSERT INTO hub_datasets (dataset_id, config, task_name, task_categories, keep, sample_rows,"
                     " source, ingested_at) VALUES (?, 'default', ?, [?], true, 3, 'local', ?)",
                     [dataset_id, dataset_id, category, NOW])
        instructions = [{"dataset_id": dataset_id, "task_id": f"t{i}", "base_instruction": text}
                        for i, text in enumerate(texts)]
        for row in instructions:
            conn.execute("INSERT INTO task_designs (dataset_id, config, task_name, prompt_kind, position, designer,"
                         " designer_version) VALUES (?, 'default', ?, 'aware', ?, 'rules', '1')",
                         [dataset_id, dataset_id, int(row["task_id"][1:]) + 1])
            conn.execute("INSERT INTO instructions (dataset_id, config, task_name, task_id, instruction,"
                         " base_instruction, input_fields, output_field, prompt_kind, designer, designer_version,"
                         " instances) VALUES (?, 'default', ?, ?, ?, ?, ['text'], ['label'], 'aware', 'rules', '1', 1)",
                         [dataset_id, dataset_id, row["task_id"], row["base_instruction"], row["base_instruction"]])
            conn.execute("INSERT INTO instruction_samples VALUES (?, 'default', ?, 0, ?, 'x', 'y', NULL, NULL, ?)",
                         [dataset_id, row["task_id"], row["base_instruction"], dataset_id])
        for row in with_verb_noun(instructions):
            conn.execute("UPDATE instructions SET verb = $verb, noun = $noun WHERE dataset_id = $dataset_id"
                         " AND task_id = $task_id", {key: row[key] for key in ("dataset_id", "task_id", "verb", "noun")})
        for text in texts:
            conn.execute("INSERT INTO instruction_embeddings SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
                         "(SELECT 1 FROM instruction_embeddings WHERE instruction = ?)",
                         [text, MODEL, text, [float(n + len(text))] * 384, dataset_id, NOW, text])
    conn.execute("INSERT INTO hub_datasets (dataset_id, config, task_name, keep, drop_reason, sample_rows, source,"
                 " ingested_at) VALUES ('b/news', 'fr', 'b/news-fr', false, 'non_english', 0, 'local', ?)", [NOW])
    return conn


def test_funnel_of_some_datasets_and_of_the_store(conn):
    assert funnel_stages(conn, ["a/reviews"]) == [("listed", 0), ("candidates", 0),
        ("datasets", 1), ("configs", 1), ("kept", 1), ("proposals", 2), ("valid_paper_rules", 2), ("valid_strict_rules", 0), ("valid_tasks", 2),
        ("instances", 2)]
    assert funnel_stages(conn, ["b/news"])[2:5] == [("datasets", 1), ("configs", 2), ("kept", 1)]
    assert funnel_stages(conn, ["no/such"]) == [(stage, 0) for stage, _ in funnel_stages(conn)]
    assert funnel_stages(conn, list(STORE)) == funnel_stages(conn)


def test_verb_noun_pairs_of_some_datasets_and_of_the_store(conn):
    assert verb_noun_pairs(conn, ["a/reviews"]) == {"classify": Counter({"review": 1}),
                                                    "summarize": Counter({"review": 1})}
    assert verb_noun_pairs(conn) == {"classify": Counter({"review": 2}),
                                     "summarize": Counter({"review": 1, "article": 1}),
                                     "translate": Counter()}


def test_embedding_points_of_some_datasets_and_of_the_store(conn):
    vectors, categories = embedding_points(conn, MODEL, ["b/news"])
    assert vectors.shape == (3, 384)  # "Classify the review." was embedded by a/reviews, but b/news has it too
    assert sorted(categories) == ["summarization"] * 3
    vectors, categories = embedding_points(conn, MODEL)
    assert vectors.shape == (4, 384) and len(categories) == 4
    assert len(embedding_points(conn, "other-model")[0]) == 0


def test_run_pictures_go_to_last_run_and_name_their_scope(conn, tmp_path):
    folder = last_run_dir(tmp_path / "reports")
    assert folder == tmp_path / "reports" / "last_run"
    funnel, stages = funnel_figure(conn, folder, ["a/reviews"])
    assert funnel.startswith("![Curation funnel of this run's 1 dataset](data:image/png;base64,")
    assert stages == funnel_stages(conn, ["a/reviews"])
    assert verb_noun_figure(conn, folder, list(STORE)).startswith(
        "![Top verbs and their nouns in this run's 2 datasets](data:image/png;base64,")
    assert embedding_figure(conn, folder, MODEL, ["a/reviews"]).startswith(
        "![Instruction embedding map of this run's 1 dataset](data:image/png;base64,")
    assert sorted(p.name for p in folder.iterdir()) == ["embedding_map.png", "funnel.png", "verb_noun.png"]


def test_no_map_under_two_vectors_and_no_stale_map(conn, tmp_path):
    assert embedding_figure(conn, tmp_path, MODEL) is not None
    assert embedding_figure(conn, tmp_path, MODEL, ["no/such"]) is None
    assert not (tmp_path / "embedding_map.png").exists()


def test_a_run_funnel_runs_funnel_sql_over_every_table_it_reads_and_leaves_nothing_behind(conn):
    # strict_rules is a view of constant rule names (sql/schema.sql), the same for every scope
    read = set(re.findall(r"\bFROM\s+(\w+)", FUNNEL_FILE.read_text(), re.IGNORECASE)) - {"stages", "strict_rules"}
    assert read == set(FUNNEL_TABLES)
    whole = funnel_stages(conn)
    funnel_stages(conn, ["a/reviews"])
    assert conn.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND NOT internal").fetchone() == (0,)
    assert funnel_stages(conn) == whole
