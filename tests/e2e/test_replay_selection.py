"""`replay_selection` end to end (docs/method.md §5.3): three rule-based runs over the embedded Hub grow
the corpus in two stages after the first; each strategy replays past tasks only, measured against the
tables; the input embeddings are computed once; stages by version and by list; bad settings fail."""

import hashlib
from collections import defaultdict
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl

from locations import read_lake
from dynosaur_assets.method import DATA_INPUTS_PER_TASK, REPLAY_STRATEGIES
from dynosaur_assets.replay.tables import read_replay

FIRST = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews"]
SECOND = ["acme-nlp/topic-news-4"]
THIRD = ["acme-nlp/science-quiz-mc", "openlab/trivia-open-qa"]
K = 3


def replay(pipeline, **config) -> dg.ExecuteInProcessResult:
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.replay.assets import replay_selection

    return dg.materialize([replay_selection], instance=pipeline.instance, resources=defs.resources,
                          run_config={"ops": {"replay_selection": {"config": {"k": K, **config}}}},
                          raise_on_error=False)


def metadata(result: dg.ExecuteInProcessResult) -> dict:
    [event] = result.asset_materializations_for_node("replay_selection")
    return {key: getattr(value, "value", value) for key, value in event.metadata.items()}


def tasks_of(pipeline, datasets: list[str]) -> set[tuple[str, str]]:
    return set(pipeline.query("SELECT dataset_id, task_id FROM instructions WHERE list_contains(?, dataset_id)",
                              [datasets]))


def selected(pipeline, stage: str) -> dict[str, list[tuple[str, str]]]:
    picks = defaultdict(list)
    for strategy, dataset_id, task_id in pipeline.query(
            "SELECT strategy, dataset_id, task_id FROM replay_selection WHERE stage = ? ORDER BY strategy, rank", [stage]):
        picks[strategy].append((dataset_id, task_id))
    return dict(picks)


def most_similar(pipeline, past: set, stage: set) -> tuple[str, str]:
    """The past task whose instruction vector has the highest cosine to any stage task's, by numpy here."""
    vectors = dict(((d, t), np.asarray(e)) for d, t, e in pipeline.query(
        "SELECT i.dataset_id, i.task_id, e.embedding FROM instructions i JOIN instruction_embeddings e USING (instruction)"))
    stage_matrix = np.stack([vectors[key] for key in sorted(stage)])
    return max(sorted(past), key=lambda key: float((stage_matrix @ vectors[key]).max()))


def first_inputs(pipeline, past: set) -> set[str]:
    """sha256 of each past task's first DATA_INPUTS_PER_TASK distinct non-empty inputs, by Python here."""
    by_task = defaultdict(list)
    for dataset_id, task_id, text in pipeline.query(
            "SELECT dataset_id, task_id, input FROM instruction_samples ORDER BY instance_idx"):
        if (dataset_id, task_id) in past and text and text not in by_task[(dataset_id, task_id)]:
            by_task[(dataset_id, task_id)].append(text)
    return {hashlib.sha256(t.encode()).hexdigest() for texts in by_task.values() for t in texts[:DATA_INPUTS_PER_TASK]}


def check_stage(pipeline, result, stage: set, past: set) -> str:
    """The materialization's counts and rows against the tables; returns the stage's label."""
    assert result.success
    values = metadata(result)
    assert (values["stage_tasks"], values["past_tasks"], values["not_embedded"]) == (len(stage), len(past), 0)
    label = values["stage"]
    assert set(pipeline.query("SELECT dataset_id, task_id FROM replay_stages WHERE stage = ?", [label])) == stage
    picks = selected(pipeline, label)
    assert sorted(picks) == sorted(REPLAY_STRATEGIES)
    for strategy, tasks in picks.items():
        assert len(tasks) == len(set(tasks)) == min(K, len(past)) == values[f"{strategy}/selected"], strategy
        assert set(tasks) <= past, strategy
        assert values[f"{strategy}/preview"].count("\n") == len(tasks) + 1  # header, rule, one line a task
    assert picks["instr_similar"][0] == most_similar(pipeline, past, stage)
    assert len({tuple(tasks) for tasks in picks.values()}) > 1
    return label


def test_two_stages_replay_past_tasks_and_embed_each_input_once(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(FIRST).success
    first = replay(pipeline)
    assert first.success and metadata(first)["message"].endswith("has no past task: nothing to replay")
    assert pipeline.query("SELECT count(*) FROM replay_selection") == [(0,)]

    assert pipeline.run(SECOND).success
    second_label = check_stage(pipeline, replay(pipeline), tasks_of(pipeline, SECOND), tasks_of(pipeline, FIRST))
    assert pipeline.run(THIRD).success
    past = tasks_of(pipeline, FIRST + SECOND)
    third = replay(pipeline)
    third_label = check_stage(pipeline, third, tasks_of(pipeline, THIRD), past)
    assert second_label != third_label and second_label.startswith("after_v")
    assert {label for (label,) in pipeline.query("SELECT DISTINCT stage FROM replay_selection")} == {
        second_label, third_label}

    stored = {digest for (digest,) in pipeline.query("SELECT input_hash FROM input_embeddings")}
    assert stored == first_inputs(pipeline, past) and len(stored) > len(past)
    rows = pipeline.query("SELECT * EXCLUDE (selected_at) FROM replay_selection ORDER BY ALL")
    again = replay(pipeline)
    assert metadata(again)["data_diverse/inputs_embedded"] == 0
    assert metadata(again)["data_diverse/inputs_reused"] == len(stored)
    assert pipeline.query("SELECT * EXCLUDE (selected_at) FROM replay_selection ORDER BY ALL") == rows

    with read_lake(pipeline.db) as conn:
        support = read_replay(conn, "instr_support")
    assert support.stage == third_label and set(support.stage_tasks) == tasks_of(pipeline, THIRD)
    assert support.replayed == selected(pipeline, third_label)["instr_support"]

    exported = export_replay(pipeline, "instr_support")
    assert exported == set(support.stage_tasks) | set(support.replayed)


def export_replay(pipeline, strategy: str) -> set[tuple[str, str]]:
    """The tasks of the training file `corpus_export` writes for a replay strategy (its Parquet's provenance)."""
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.export.assets import corpus_export

    result = dg.materialize([corpus_export], instance=pipeline.instance, resources=defs.resources,
                            run_config={"ops": {"corpus_export": {"config": {"replay_strategy": strategy}}}})
    [event] = result.asset_materializations_for_node("corpus_export")
    folder = Path(event.metadata["path"].value)
    assert folder.parent.name == f"dynosaur-{strategy}"
    frame = pl.read_parquet(folder / f"dynosaur-{strategy}.parquet")
    return set(frame.select("dataset_id", "task_id").unique().iter_rows())


def test_stages_by_version_and_by_list_and_settings_that_fail(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(FIRST).success
    (version,) = pipeline.query("SELECT max(snapshot_id) FROM lake.snapshots()")[0]
    assert pipeline.run(SECOND + THIRD).success
    by_version = replay(pipeline, stage_version=version, strategies=["instr_diverse", "random"])
    later = tasks_of(pipeline, SECOND + THIRD)
    assert metadata(by_version)["stage"] == f"after_v{version}"
    assert set(pipeline.query("SELECT dataset_id, task_id FROM replay_stages")) == later
    picks = selected(pipeline, f"after_v{version}")
    assert sorted(picks) == ["instr_diverse", "random"] and set(picks["random"]) <= tasks_of(pipeline, FIRST)
    other_seed = replay(pipeline, stage_version=version, strategies=["random"], seed=1, k=50)
    assert set(selected(pipeline, f"after_v{version}")) == {"random"}  # the stage's rows were rewritten
    assert metadata(other_seed)["random/selected"] == len(tasks_of(pipeline, FIRST))  # k > past: all of them

    listed = sorted(task_id for _, task_id in tasks_of(pipeline, SECOND))
    by_list = replay(pipeline, stage_task_ids=listed)
    assert metadata(by_list)["stage"].startswith("tasks_")
    assert metadata(by_list)["past_tasks"] == len(tasks_of(pipeline, FIRST + THIRD))

    for config, message in [({"strategies": ["instr_best"]}, "unknown replay strategies ['instr_best']"),
                            ({"k": 0}, "k must be at least 1"),
                            ({"stage_task_ids": ["nope"]}, "not in instructions: nope")]:
        failed = replay(pipeline, **config)
        assert not failed.success
        assert message in failed.get_step_failure_events()[0].step_failure_data.error.to_string()
