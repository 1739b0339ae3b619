"""Duplicates across datasets (dynosaur_assets/dedup): the pure near-duplicate functions on hand-made
vectors, the store pass on a lake with planted duplicates, the view `corpus_instances`, and the
`corpus_duplicates` asset."""

import datetime

import dagster as dg
import numpy as np
import pytest

from dynosaur_assets.dedup.assets import corpus_duplicates, environment_choices
from dynosaur_assets.dedup.duplicates import rewrite_duplicates
from dynosaur_assets.dedup.near import NearDuplicate, greedy_duplicates, output_space, similar_pairs
from dynosaur_assets.embed.embedder import MINILM_MODEL
from dynosaur_assets.embed.resources import InstructionEmbedder
from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import SQL_DIR, insert_rows, open_lake, transaction

LABELS = ("labels", "neg", "pos")


def unit(angle_degrees: float) -> list[float]:
    """A 2-d unit vector; two of them have cosine = cos(difference of angles)."""
    radians = np.radians(angle_degrees)
    return [float(np.cos(radians)), float(np.sin(radians))]


def test_output_space_is_the_label_set_or_the_output_field_names():
    assert output_space(["pos", "neg", "pos"], ["label"]) == LABELS
    assert output_space(None, ["Answer"]) == output_space([], ["answer"]) == ("field", "answer")
    with pytest.raises(ValueError, match="output field"):
        output_space(None, [])


def test_pairs_at_or_above_the_threshold_of_different_datasets_in_one_space():
    vectors = [unit(0), unit(10), unit(30), unit(0), unit(0)]  # cos 10° = 0.985, cos 30° = 0.866
    datasets = ["a", "b", "c", "a", "d"]
    spaces = [LABELS, LABELS, LABELS, LABELS, ("field", "label")]
    pairs = similar_pairs(np.array(vectors), datasets, spaces, 0.95)
    # row 2 is below the threshold; row 3 is its dataset's own (a); row 4 has another output space
    assert [(p.dropped, p.kept) for p in pairs] == [(1, 0), (3, 1)]
    assert pairs[0].similarity == pytest.approx(np.cos(np.radians(10)), abs=1e-6)
    assert [(p.dropped, p.kept) for p in similar_pairs(np.array(vectors), datasets, spaces, 0.85)] == [
        (1, 0), (2, 0), (2, 1), (3, 1), (3, 2)]


def test_blocks_find_the_pairs_one_matrix_finds():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 8))
    vectors[100:200] = vectors[:100] + rng.normal(scale=0.05, size=(100, 8))  # 100 planted near copies
    datasets = [f"d{i % 37}" for i in range(300)]
    spaces = [LABELS if i % 100 % 3 else ("field", "x") for i in range(300)]
    whole = similar_pairs(vectors, datasets, spaces, 0.98, block=1000)
    assert len(whole) >= 90
    assert similar_pairs(vectors, datasets, spaces, 0.98, block=7) == whole


def test_greedy_keeps_the_earliest_and_points_at_the_most_similar_kept_task():
    pairs = [NearDuplicate(1, 0, 0.96), NearDuplicate(2, 1, 0.99), NearDuplicate(3, 0, 0.96),
             NearDuplicate(3, 2, 0.97), NearDuplicate(4, 0, 0.97), NearDuplicate(4, 1, 0.97)]
    # 1 goes (like 0); 2 is paired only with 1, which went: 2 stays; 3 points at 2 (more similar than 0);
    # 4 ties between 0 and 1, and 1 went anyway
    assert greedy_duplicates(pairs) == [NearDuplicate(1, 0, 0.96), NearDuplicate(3, 2, 0.97),
                                        NearDuplicate(4, 0, 0.97)]


@pytest.mark.parametrize("threshold", [0, -0.5, 1.01])
def test_a_threshold_outside_zero_to_one_is_refused(threshold):
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        similar_pairs(np.array([unit(0)]), ["a"], [LABELS], threshold)


def test_environment_choices_name_a_wrong_variable(monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DEDUP_SIMILARITY", "high")
    with pytest.raises(ValueError, match="DYNOSAUR_DEDUP_SIMILARITY"):
        environment_choices()
    monkeypatch.setenv("DYNOSAUR_DEDUP_SIMILARITY", "0.9")
    monkeypatch.setenv("DYNOSAUR_DEDUP_NEAR_DUPLICATES", "maybe")
    with pytest.raises(ValueError, match="DYNOSAUR_DEDUP_NEAR_DUPLICATES"):
        environment_choices()
    monkeypatch.setenv("DYNOSAUR_DEDUP_NEAR_DUPLICATES", "off")
    assert environment_choices() == {"similarity": 0.9, "near_duplicates": False}


# Planted store. Listing order: "old/src" (2020) < "mid/copy" (2021) < "new/copy" (2022) < "unlisted".
CREATED = {"old/src": 2020, "mid/copy": 2021, "new/copy": 2022}
TASKS = [  # dataset, task, instruction, labels, output field, angle, [(input, output)]
    ("old/src", "t-old", "Is the review positive?", ["neg", "pos"], ["label"], 0,
     [("great film", "pos"), ("dull film", "neg"), ("fine film", "pos")]),
    # exact copies of two old instances across datasets (same instruction text; a third label, so
    # another output space and no near duplicate)
    ("new/copy", "t-new", "Is the review positive?", ["meh", "neg", "pos"], ["label"], 0,
     [("great film", "pos"), ("dull film", "neg"), ("new film", "neg")]),
    # same dataset, two tasks (two configs) repeating one instance
    ("mid/copy", "t-a", "Write the headline.", None, ["headline"], 90,
     [("storm hits coast", "Storm!"), ("rain", "Rain")]),
    ("mid/copy", "t-b", "Write the headline.", None, ["headline"], 90,
     [("storm hits coast", "Storm!"), ("sun", "Sun")]),
    # near duplicate (cos 5° = 0.996) of t-old, in the same label space: every instance goes
    ("unlisted", "t-near", "Is this review a positive one?", ["neg", "pos"], ["label"], 5,
     [("great film", "pos"), ("awful", "neg")]),
    # near duplicate wording (cos 5°) but another label space: stays
    ("unlisted", "t-other-space", "Is the review positive or mixed?", ["mixed", "pos"], ["label"], 5,
     [("ok film", "mixed"), ("good", "pos")]),
    # below the threshold (cos 20° = 0.94) in the same label space: stays
    ("unlisted", "t-below", "Rate the sentiment of the text.", ["neg", "pos"], ["label"], 20,
     [("meh", "neg"), ("yay", "pos")]),
    # free-form, same wording as mid/copy's t-a, same field, but none of its outputs: not a copy
    ("unlisted", "t-other-data", "Write the headline.", None, ["headline"], 90,
     [("markets fall", "Markets"), ("vote today", "Vote")]),
]


def plant(conn) -> None:
    now = datetime.datetime(2026, 1, 1)
    listing = [{"dataset_id": d, "created_at": datetime.datetime(year, 1, 1), "downloads": 0, "likes": 0,
                "candidate": True, "listed_at": now, "first_listed_at": now} for d, year in CREATED.items()]
    instructions, samples, embeddings = [], [], {}
    for dataset, task, instruction, labels, field, angle, rows in TASKS:
        instructions.append({"dataset_id": dataset, "config": task, "task_name": dataset, "task_id": task,
                             "instruction": instruction, "base_instruction": instruction, "input_fields": ["text"],
                             "output_field": field, "labels": labels, "prompt_kind": "aware", "designer": "rules",
                             "designer_version": "1", "instances": len(rows)})
        samples += [{"dataset_id": dataset, "config": task, "task_id": task, "instance_idx": i, "instruction": instruction,
                     "input": text, "output": output, "taskname": dataset} for i, (text, output) in enumerate(rows)]
        embeddings[instruction] = {"instruction_hash": instruction, "model": MINILM_MODEL, "instruction": instruction,
                                   "embedding": unit(angle), "dataset_id": dataset, "created_at": now}
    with transaction(conn):
        insert_rows(conn, "hub_listing", listing)
        insert_rows(conn, "instructions", instructions)
        insert_rows(conn, "instruction_samples", samples)
        insert_rows(conn, "instruction_embeddings", list(embeddings.values()))


@pytest.fixture
def lake(tmp_path) -> LakeSettings:
    settings = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    with open_lake(settings) as conn:
        plant(conn)
    return settings


def dropped(conn) -> set[tuple]:
    return set(conn.execute("SELECT dataset_id, task_id, instance_idx, reason, kept_dataset_id, kept_task_id, "
                            "kept_instance_idx FROM instance_duplicates").fetchall())


EXPECTED_EXACT = {("new/copy", "t-new", 0, "exact_instance", "old/src", "t-old", 0),
                  ("new/copy", "t-new", 1, "exact_instance", "old/src", "t-old", 1),
                  ("mid/copy", "t-b", 0, "exact_instance", "mid/copy", "t-a", 0)}
EXPECTED_NEAR = {("unlisted", "t-near", 0, "near_duplicate_instruction", "old/src", "t-old", None),
                 ("unlisted", "t-near", 1, "near_duplicate_instruction", "old/src", "t-old", None)}


def test_the_store_pass_drops_the_planted_duplicates_and_keeps_the_earliest(lake):
    with open_lake(lake) as conn:
        outcome = rewrite_duplicates(conn, MINILM_MODEL, 0.95)
        assert dropped(conn) == EXPECTED_EXACT | EXPECTED_NEAR
        similarity = conn.execute("SELECT DISTINCT similarity FROM instance_duplicates WHERE task_id = 't-near'").fetchall()
        assert similarity == [(pytest.approx(np.cos(np.radians(5)), abs=1e-6),)]
        # every kept instance of an exact duplicate stays in the corpus
        assert conn.execute("""SELECT count(*) FROM instance_duplicates d ANTI JOIN corpus_instances c
            ON c.dataset_id = d.kept_dataset_id AND c.task_id = d.kept_task_id AND c.instance_idx = d.kept_instance_idx
            WHERE d.reason = 'exact_instance'""").fetchone()[0] == 0
    total = sum(len(t[-1]) for t in TASKS)
    assert (outcome.instances, outcome.dropped) == (total, {"exact_instance": 3, "near_duplicate_instruction": 2})
    assert outcome.share_removed == pytest.approx(5 / total)
    assert (outcome.tasks, outcome.tasks_compared, outcome.near_duplicate_tasks) == (len(TASKS), len(TASKS), 1)


def test_near_duplicates_off_leaves_exact_duplicates_only_and_a_rerun_replaces_the_rows(lake):
    with open_lake(lake) as conn:
        rewrite_duplicates(conn, MINILM_MODEL, 0.95)
        rewrite_duplicates(conn, MINILM_MODEL, None)
        assert dropped(conn) == EXPECTED_EXACT  # t-near's instruction is another text: no exact copy
        rewrite_duplicates(conn, "another-model", 0.95)  # no embeddings of that model: nothing compared
        assert {row[3] for row in dropped(conn)} == {"exact_instance"}


def test_corpus_instances_is_instruction_samples_minus_the_dropped_rows(lake):
    with open_lake(lake) as conn:
        rewrite_duplicates(conn, MINILM_MODEL, 0.95)
        samples = conn.execute("SELECT * FROM instruction_samples").fetchall()
        corpus = conn.execute("SELECT * FROM corpus_instances").fetchall()
        columns = [c[0] for c in conn.execute("DESCRIBE instruction_samples").fetchall()]
        assert [c[0] for c in conn.execute("DESCRIBE corpus_instances").fetchall()] == columns
    gone = {row[:3] for row in EXPECTED_EXACT | EXPECTED_NEAR}
    assert sorted(corpus) == sorted(row for row in samples if (row[0], row[2], row[3]) not in gone)
    assert len(corpus) == len(samples) - len(gone)


def test_the_asset_rewrites_the_table_and_reports_counts(lake):
    resources = {"duckdb": DynosaurDuckDB(database=":memory:", catalog=lake.catalog),
                 "instruction_embedder": InstructionEmbedder(backend="minilm")}
    config = {"ops": {"corpus_duplicates": {"config": {"similarity": 0.95, "near_duplicates": True}}}}
    result = dg.materialize([corpus_duplicates], resources=resources, run_config=config)
    metadata = result.asset_materializations_for_node("corpus_duplicates")[0].metadata
    assert metadata["dropped/exact_instance"].value == 3
    assert metadata["dropped/near_duplicate_instruction"].value == 2
    assert metadata["instances"].value == sum(len(t[-1]) for t in TASKS)
    assert metadata["near_duplicate_tasks"].value == 1
    preview = metadata["preview"].value
    assert "Is this review a positive one?" in preview and "new/copy" in preview
    with open_lake(lake, read_only=True) as conn:
        assert dropped(conn) == EXPECTED_EXACT | EXPECTED_NEAR


def test_duplicates_sql_counts_by_reason_and_names_the_datasets_that_copy(lake):
    with open_lake(lake) as conn:
        rewrite_duplicates(conn, MINILM_MODEL, 0.95)
        rows = conn.sql((SQL_DIR / "analysis" / "duplicates.sql").read_text()).fetchall()
    total = sum(len(t[-1]) for t in TASKS)
    assert rows == [("reason", "exact_instance", None, 3, round(3 / total, 4)),
                    ("reason", "near_duplicate_instruction", None, 2, round(2 / total, 4)),
                    ("dataset", "new/copy", "old/src", 2, round(2 / total, 4)),
                    ("dataset", "unlisted", "old/src", 2, round(2 / total, 4))]  # mid/copy repeats only itself
