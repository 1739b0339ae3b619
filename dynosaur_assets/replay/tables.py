"""The replay tables (`replay_stages`, `replay_selection`): a stage's rows written in one transaction,
and `read_replay`, what an export of stage + replay reads."""

import datetime
import math
from typing import NamedTuple

import duckdb

from dynosaur_assets.replay.stage import Stage, TaskKey
from dynosaur_assets.replay.strategies import Selection
from dynosaur_assets.store import insert_rows, transaction


class ReplaySet(NamedTuple):
    """A stage's tasks and, for one strategy, the past tasks replayed with them (rank order)."""

    stage: str
    stage_tasks: list[TaskKey]
    replayed: list[TaskKey]


def selection_rows(strategy: str, stage: Stage, k: int, keys: list[TaskKey], selection: Selection,
                   now: datetime.datetime) -> list[dict]:
    """The `replay_selection` rows of one strategy: `keys[i]` is the task of the selection's row i."""
    return [
        {"strategy": strategy, "stage": stage.label, "rank": rank, "dataset_id": keys[index][0],
         "task_id": keys[index][1], "score": None if math.isnan(score) else float(score), "k": k,
         "selected_at": now}
        for rank, (index, score) in enumerate(zip(selection.indices.tolist(), selection.scores.tolist()), start=1)
    ]


def write_selection(conn: duckdb.DuckDBPyConnection, stage: Stage, rows: list[dict], now: datetime.datetime) -> None:
    """Replace the stage's rows of `replay_stages` and `replay_selection`, in one transaction."""
    stage_rows = [{"stage": stage.label, "since_version": stage.since_version, "dataset_id": dataset_id,
                   "task_id": task_id, "selected_at": now} for dataset_id, task_id in stage.tasks]
    info = {"stage": stage.label, "rows": {"replay_stages": len(stage_rows), "replay_selection": len(rows)}}
    with transaction(conn, f"replay selection for {stage.label}", info):
        for table in ("replay_stages", "replay_selection"):
            conn.execute(f"DELETE FROM {table} WHERE stage = ?", [stage.label])
        insert_rows(conn, "replay_stages", stage_rows)
        insert_rows(conn, "replay_selection", rows)


def read_replay(conn: duckdb.DuckDBPyConnection, strategy: str, stage: str | None = None) -> ReplaySet:
    """For one strategy, a stage's tasks and its replayed tasks (default stage: the latest selected);
    ValueError when there is no such stage or the strategy has no rows for it."""
    if stage is None:
        row = conn.execute("SELECT stage FROM replay_stages ORDER BY selected_at DESC, stage LIMIT 1").fetchone()
        if row is None:
            raise ValueError("no replay selection in the store: materialize replay_selection first")
        stage = row[0]
    stage_tasks = _keys(conn, "SELECT dataset_id, task_id FROM replay_stages WHERE stage = ? ORDER BY ALL", [stage])
    if not stage_tasks:
        raise ValueError(f"no replay stage named {stage!r}")
    replayed = _keys(conn, "SELECT dataset_id, task_id FROM replay_selection WHERE stage = ? AND strategy = ? "
                     "ORDER BY rank", [stage, strategy])
    if not replayed:
        raise ValueError(f"strategy {strategy!r} selected nothing for stage {stage!r}")
    return ReplaySet(stage, stage_tasks, replayed)


def _keys(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[TaskKey]:
    return [(dataset_id, task_id) for dataset_id, task_id in conn.execute(sql, params).fetchall()]
