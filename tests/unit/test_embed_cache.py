"""docs/method.md §5 cache: the instructions a model still has to embed, found by an anti-join in DuckDB."""

import datetime

import duckdb
import pytest

from dynosaur_assets.embed.cache import PendingInstructions, pending_instructions
from dynosaur_assets.embed.embedder import instruction_hash
from dynosaur_assets.store import apply_schema, insert_rows

MODEL, OTHER_MODEL = "minilm", "openai"


def instruction_row(dataset_id: str, instruction: str) -> dict:
    return {"dataset_id": dataset_id, "config": "default", "task_name": dataset_id,
            "task_id": instruction_hash(dataset_id + instruction)[:16], "instruction": instruction,
            "base_instruction": instruction, "input_fields": ["a"], "output_field": ["b"],
            "prompt_kind": "aware", "designer": "rules", "designer_version": "1", "instances": 1}


def embedding_row(instruction: str, model: str) -> dict:
    return {"instruction_hash": instruction_hash(instruction), "model": model, "instruction": instruction,
            "embedding": [0.0] * 384, "dataset_id": "old/set", "created_at": datetime.datetime(2024, 1, 1)}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    """`b/two` and `a/one` share "Summarize."; "Classify." is embedded with MODEL, "Translate." only
    with OTHER_MODEL; `c/three` is not selected."""
    conn = duckdb.connect()
    apply_schema(conn)
    insert_rows(conn, "instructions", [
        instruction_row("b/two", "Summarize."), instruction_row("b/two", "Classify."),
        instruction_row("a/one", "Summarize."), instruction_row("a/one", "Translate."),
        instruction_row("c/three", "Answer."),
    ])
    insert_rows(conn, "instruction_embeddings", [
        embedding_row("Classify.", MODEL), embedding_row("Translate.", OTHER_MODEL),
        embedding_row("Answer.", OTHER_MODEL),
    ])
    return conn


def test_only_instructions_the_model_has_not_embedded_come_back(conn):
    assert pending_instructions(conn, ["b/two", "a/one"], MODEL) == PendingInstructions(
        distinct=3, missing=[("Summarize.", "a/one"), ("Translate.", "a/one")]
    )


def test_another_models_vectors_are_not_reused(conn):
    missing = pending_instructions(conn, ["b/two", "a/one"], OTHER_MODEL).missing
    assert missing == [("Classify.", "b/two"), ("Summarize.", "a/one")]


def test_nothing_is_pending_once_every_instruction_is_embedded(conn):
    insert_rows(conn, "instruction_embeddings", [embedding_row("Summarize.", MODEL)])
    assert pending_instructions(conn, ["b/two"], MODEL) == PendingInstructions(distinct=2, missing=[])


def test_unknown_datasets_have_nothing_pending(conn):
    assert pending_instructions(conn, ["z/none"], MODEL) == PendingInstructions(distinct=0, missing=[])
