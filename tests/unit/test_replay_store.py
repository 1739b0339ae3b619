"""docs/method.md §5.3 in the store: stages by DuckLake version (time travel and the runs' commit info),
listed stages, the input-embedding cache and data vectors, and the replay tables, on a real lake."""

import datetime

import duckdb
import numpy as np
import pytest

from dynosaur_assets.lake import LakeSettings, checkpoint_lake
from dynosaur_assets.replay.stage import listed_stage, resolve_stage, tasks_added_since, version_before_latest_run
from dynosaur_assets.replay.strategies import Selection
from dynosaur_assets.replay.tables import read_replay, selection_rows, write_selection
from dynosaur_assets.replay.vectors import (
    data_vectors,
    instruction_vectors,
    pending_inputs,
    split_stage,
    store_input_embeddings,
)
from dynosaur_assets.store import Session, apply_schema, insert_rows, open_lake, replace_partition

MODEL = "toy-model"
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5)


def task(dataset_id: str, task_id: str, instruction: str) -> dict:
    return {"dataset_id": dataset_id, "config": "default", "task_name": dataset_id, "task_id": task_id,
            "instruction": instruction, "base_instruction": instruction, "input_fields": ["a"],
            "output_field": ["b"], "prompt_kind": "aware", "designer": "rules", "designer_version": "1",
            "instances": 3}


def sample(dataset_id: str, task_id: str, idx: int, text: str) -> dict:
    return {"dataset_id": dataset_id, "config": "default", "task_id": task_id, "instance_idx": idx,
            "instruction": "x", "input": text, "output": "y", "taskname": dataset_id}


def curate(conn, run_id: str, dataset_id: str, tasks: list[dict], samples: list[dict] = ()) -> None:
    """What a curation run writes for one dataset (one snapshot whose commit names the run)."""
    cursor = Session(lake=True, run_id=run_id).set_up(conn.cursor())
    replace_partition(cursor, dataset_id, {"instructions": tasks, "instruction_samples": list(samples)})


@pytest.fixture
def lake(tmp_path):
    """Three curation runs: a/one (tasks a1, a2), then b/two (b1), then c/three (c1, c2)."""
    conn = open_lake(LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}"))
    conn.execute("USE lake")
    curate(conn, "run-1", "a/one", [task("a/one", "a1", "Classify."), task("a/one", "a2", "Summarize.")],
           [sample("a/one", "a1", 0, "first"), sample("a/one", "a1", 1, ""), sample("a/one", "a1", 2, "first"),
            sample("a/one", "a1", 3, "second"), sample("a/one", "a1", 4, "third"), sample("a/one", "a2", 0, "second")])
    curate(conn, "run-2", "b/two", [task("b/two", "b1", "Translate.")], [sample("b/two", "b1", 0, "")])
    curate(conn, "run-3", "c/three", [task("c/three", "c1", "Answer."), task("c/three", "c2", "Classify.")])
    yield conn
    conn.close()


def first_snapshot(conn, run_id: str) -> int:
    return conn.execute("SELECT snapshot_id FROM lake.snapshots() WHERE commit_extra_info::JSON->>'run_id' = ? "
                        "ORDER BY snapshot_id LIMIT 1", [run_id]).fetchone()[0]


def test_the_default_stage_is_what_the_latest_run_added(lake):
    before = version_before_latest_run(lake)
    assert before == first_snapshot(lake, "run-3") - 1
    stage = resolve_stage(lake, None, [])
    assert stage == (f"after_v{before}", before, [("c/three", "c1"), ("c/three", "c2")])


def test_a_stage_after_an_older_version_holds_every_later_task(lake):
    version = first_snapshot(lake, "run-2") - 1
    assert tasks_added_since(lake, version) == [("b/two", "b1"), ("c/three", "c1"), ("c/three", "c2")]
    assert tasks_added_since(lake, 0) == tasks_added_since(lake, first_snapshot(lake, "run-1") - 1)
    assert len(tasks_added_since(lake, 0)) == 5  # before the tables existed: every task is new


def test_runs_that_add_no_task_leave_nothing_new_and_other_writes_do_not_count(lake):
    stage = resolve_stage(lake, None, [])
    write_selection(lake, stage, [], NOW)  # a replay run writes snapshots of its own: not a curation run
    assert version_before_latest_run(lake) == stage.since_version
    curate(lake, "run-4", "a/one", [task("a/one", "a1", "Classify."), task("a/one", "a2", "Summarize.")])
    assert resolve_stage(lake, None, []).tasks == []  # run-4 re-wrote a/one: nothing added


def test_versions_that_cannot_be_read_are_named(lake):
    (latest,) = lake.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    with pytest.raises(ValueError, match=f"stage version {latest + 1} is not a version of the lake"):
        tasks_added_since(lake, latest + 1)
    old = first_snapshot(lake, "run-2")
    checkpoint_lake(lake, "0 seconds", "0 seconds")
    with pytest.raises(ValueError, match="can no longer be read.*DYNOSAUR_SNAPSHOT_RETENTION"):
        tasks_added_since(lake, old)


def test_a_listed_stage_is_labelled_by_its_ids_and_refuses_unknown_ones(lake):
    stage = listed_stage(lake, ["b1", "a2", "b1"])
    assert stage.tasks == [("a/one", "a2"), ("b/two", "b1")] and stage.since_version is None
    assert stage.label == listed_stage(lake, ["a2", "b1"]).label != listed_stage(lake, ["a2"]).label
    assert resolve_stage(lake, 3, ["a2"]) == listed_stage(lake, ["a2"])  # a list wins over a version
    with pytest.raises(ValueError, match="not in instructions: nope, zz"):
        listed_stage(lake, ["a1", "zz", "nope"])


def test_a_stage_by_version_needs_the_lake():
    conn = duckdb.connect()
    apply_schema(conn)
    with pytest.raises(ValueError, match="needs the DuckLake store"):
        resolve_stage(conn, None, [])


def test_instruction_vectors_and_the_split(lake):
    insert_rows(lake, "instruction_embeddings", [
        {"instruction_hash": text, "model": model, "instruction": text, "embedding": vector, "dataset_id": "a/one",
         "created_at": NOW}
        for text, model, vector in [("Classify.", MODEL, [1.0, 0.0]), ("Answer.", MODEL, [0.0, 1.0]),
                                    ("Summarize.", "other", [1.0, 1.0])]])
    tasks = instruction_vectors(lake, MODEL)
    assert tasks.keys == [("a/one", "a1"), ("c/three", "c1"), ("c/three", "c2")]  # a2, b1: not embedded
    past, stage = split_stage(tasks, [("c/three", "c1"), ("c/three", "c2")])
    assert past.keys == [("a/one", "a1")] and stage.keys == [("c/three", "c1"), ("c/three", "c2")]
    np.testing.assert_array_equal(stage.vectors, [[0.0, 1.0], [1.0, 0.0]])


def test_only_missing_first_inputs_are_embedded_and_data_vectors_average_them(lake):
    past = [("a/one", "a1"), ("a/one", "a2"), ("b/two", "b1")]
    # a1's distinct non-empty inputs by first instance: first, second (third is beyond per_task=2);
    # a2's: second (shared with a1); b1 has only an empty input.
    pending = pending_inputs(lake, past, MODEL, per_task=2)
    assert pending.distinct == 2
    assert [(text, dataset) for _, text, dataset in pending.missing] == [("second", "a/one"), ("first", "a/one")]  # by hash
    vectors = {"first": [1.0, 0.0], "second": [0.0, 1.0]}
    store_input_embeddings(lake, pending.missing, np.array([vectors[text] for _, text, _ in pending.missing]), MODEL)
    assert pending_inputs(lake, past, MODEL, per_task=2).missing == []
    assert len(pending_inputs(lake, past, "other", per_task=2).missing) == 2  # another model's cache is its own
    assert [text for _, text, _ in pending_inputs(lake, past, MODEL, per_task=3).missing] == ["third"]
    data = data_vectors(lake, past, MODEL, per_task=2)
    assert data.keys == [("a/one", "a1"), ("a/one", "a2")]
    np.testing.assert_allclose(data.vectors, [[np.sqrt(0.5), np.sqrt(0.5)], [0.0, 1.0]], rtol=1e-6)
    [(digest,)] = lake.execute("SELECT input_hash FROM input_embeddings WHERE embedding = [1.0, 0.0]").fetchall()
    assert digest == "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e"  # sha256 of 'first'


def test_a_stage_is_rewritten_in_one_piece_and_read_back_per_strategy(lake):
    stage = resolve_stage(lake, None, [])
    keys = [("a/one", "a1"), ("a/one", "a2"), ("b/two", "b1")]
    rows = (selection_rows("instr_similar", stage, 2, keys, Selection(np.array([2, 0]), np.array([0.9, 0.5])), NOW)
            + selection_rows("random", stage, 2, keys, Selection(np.array([1, 2]), np.full(2, np.nan)), NOW))
    write_selection(lake, stage, rows, NOW)
    write_selection(lake, stage, rows, NOW)
    assert lake.execute("SELECT count(*) FROM replay_selection").fetchone()[0] == 4
    assert lake.execute("SELECT score FROM replay_selection WHERE strategy = 'random'").fetchall() == [(None,), (None,)]
    replay = read_replay(lake, "instr_similar")
    assert replay == (stage.label, [("c/three", "c1"), ("c/three", "c2")], [("b/two", "b1"), ("a/one", "a1")])
    assert read_replay(lake, "random", stage.label).replayed == [("a/one", "a2"), ("b/two", "b1")]
    with pytest.raises(ValueError, match="strategy 'data_diverse' selected nothing"):
        read_replay(lake, "data_diverse")
    with pytest.raises(ValueError, match="no replay stage named 'after_v0'"):
        read_replay(lake, "random", "after_v0")


def test_reading_replay_before_any_selection_says_what_to_do(lake):
    with pytest.raises(ValueError, match="materialize replay_selection first"):
        read_replay(lake, "random")
