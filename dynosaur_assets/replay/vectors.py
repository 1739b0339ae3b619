"""The vectors replay selection ranks (docs/method.md §5.3), read from the store in DuckDB.

- A task's *instruction vector*: its instruction's row in `instruction_embeddings` for the model.
- A task's *data vector*: the normalised mean (`strategies.mean_directions`) of the embeddings of its
  first `DATA_INPUTS_PER_TASK` distinct non-empty instance inputs, ordered by their first
  `instance_idx` in `instruction_samples`. Input embeddings are cached in `input_embeddings` by
  sha256 of the text and model (as `instruction_embeddings` caches instructions): `pending_inputs`
  finds, by an anti-join in DuckDB, the ones a model has not embedded yet.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from dynosaur_assets.method import DATA_INPUTS_PER_TASK
from dynosaur_assets.replay.stage import TaskKey
from dynosaur_assets.replay.strategies import mean_directions
from dynosaur_assets.store import insert_rows, transaction

_INSTRUCTION_VECTORS = """
SELECT i.dataset_id, i.task_id, any_value(e.embedding)
FROM instructions i JOIN instruction_embeddings e ON e.instruction = i.instruction AND e.model = $model
GROUP BY i.dataset_id, i.task_id
ORDER BY i.dataset_id, i.task_id
"""
# The first distinct non-empty inputs of each task in temp table replay_tasks.
_FIRST_INPUTS = """
WITH first_inputs AS (
    SELECT dataset_id, task_id, input, sha256(input) AS input_hash, first_idx
    FROM (
        SELECT s.dataset_id, s.task_id, s.input, min(s.instance_idx) AS first_idx
        FROM instruction_samples s JOIN temp.main.replay_tasks t USING (dataset_id, task_id)
        WHERE s.input <> ''
        GROUP BY s.dataset_id, s.task_id, s.input
    )
    QUALIFY row_number() OVER (PARTITION BY dataset_id, task_id ORDER BY first_idx) <= $per_task
)
"""
_PENDING = _FIRST_INPUTS + """
SELECT f.input_hash, any_value(f.input), min(f.dataset_id), bool_or(done.input_hash IS NOT NULL)
FROM first_inputs f
LEFT JOIN input_embeddings done ON done.input_hash = f.input_hash AND done.model = $model
GROUP BY f.input_hash
ORDER BY f.input_hash
"""
_DATA_ROWS = _FIRST_INPUTS + """
SELECT f.dataset_id, f.task_id, any_value(e.embedding)
FROM first_inputs f JOIN input_embeddings e ON e.input_hash = f.input_hash AND e.model = $model
GROUP BY f.dataset_id, f.task_id, f.input_hash
ORDER BY f.dataset_id, f.task_id, min(f.first_idx)
"""


class TaskVectors(NamedTuple):
    """One row of `vectors` per task of `keys`, in order."""

    keys: list[TaskKey]
    vectors: np.ndarray


class PendingInputs(NamedTuple):
    """The tasks' distinct first inputs: how many, and (input_hash, text, first dataset id) of those
    the model has no vector for, sorted by hash."""

    distinct: int
    missing: list[tuple[str, str, str]]


def instruction_vectors(conn: duckdb.DuckDBPyConnection, model: str) -> TaskVectors:
    """Every task of `instructions` whose instruction `model` has embedded, sorted by (dataset_id, task_id)."""
    rows = conn.execute(_INSTRUCTION_VECTORS, {"model": model}).fetchall()
    return _task_vectors([(row[0], row[1]) for row in rows], [row[2] for row in rows])


def pending_inputs(conn: duckdb.DuckDBPyConnection, keys: list[TaskKey], model: str,
                   per_task: int = DATA_INPUTS_PER_TASK) -> PendingInputs:
    """The first inputs of these tasks that `model` has not embedded yet (the texts of the others never
    leave DuckDB)."""
    with tasks_table(conn, keys):
        rows = conn.execute(_PENDING, {"model": model, "per_task": per_task}).fetchall()
    return PendingInputs(len(rows), [(digest, text, dataset_id) for digest, text, dataset_id, done in rows if not done])


def store_input_embeddings(conn: duckdb.DuckDBPyConnection, missing: list[tuple[str, str, str]],
                           vectors: np.ndarray, model: str) -> int:
    """Add the vectors of `pending_inputs(...).missing` (same order) to `input_embeddings`, in one
    transaction; returns the rows written."""
    if len(missing) != len(vectors):
        raise ValueError(f"{len(missing)} inputs but {len(vectors)} vectors")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    rows = [{"input_hash": digest, "model": model, "embedding": vector.tolist(), "dataset_id": dataset_id,
             "created_at": now} for (digest, _, dataset_id), vector in zip(missing, vectors)]
    with transaction(conn, f"{len(rows)} input embeddings", {"rows": {"input_embeddings": len(rows)}}):
        return insert_rows(conn, "input_embeddings", rows)


def data_vectors(conn: duckdb.DuckDBPyConnection, keys: list[TaskKey], model: str,
                 per_task: int = DATA_INPUTS_PER_TASK) -> TaskVectors:
    """The data vector of each of these tasks that has an embedded input, sorted by (dataset_id, task_id)."""
    with tasks_table(conn, keys):
        rows = conn.execute(_DATA_ROWS, {"model": model, "per_task": per_task}).fetchall()
    groups: dict[TaskKey, list] = {}
    for dataset_id, task_id, embedding in rows:
        groups.setdefault((dataset_id, task_id), []).append(embedding)
    means = mean_directions([np.asarray(group, dtype=np.float64) for group in groups.values()])
    return TaskVectors(list(groups), means.astype(np.float32))


@contextmanager
def tasks_table(conn: duckdb.DuckDBPyConnection, keys: list[TaskKey]) -> Iterator[None]:
    """Within the block, temp table `replay_tasks` holds these (dataset_id, task_id) keys."""
    keys_table = pa.table({"dataset_id": [k[0] for k in keys], "task_id": [k[1] for k in keys]},
                          schema=pa.schema([("dataset_id", pa.string()), ("task_id", pa.string())]))
    conn.execute("CREATE OR REPLACE TEMP TABLE replay_tasks AS SELECT * FROM keys_table")
    try:
        yield
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.main.replay_tasks")


def _task_vectors(keys: list[TaskKey], embeddings: list) -> TaskVectors:
    if not keys:
        return TaskVectors([], np.zeros((0, 0), dtype=np.float32))
    return TaskVectors(keys, np.asarray(embeddings, dtype=np.float32))


def split_stage(tasks: TaskVectors, stage: list[TaskKey]) -> tuple[TaskVectors, TaskVectors]:
    """(past, stage): the rows of `tasks` whose key is not in `stage`, and those whose key is."""
    members = set(stage)
    inside = np.array([key in members for key in tasks.keys], dtype=bool)
    return _rows(tasks, ~inside), _rows(tasks, inside)


def _rows(tasks: TaskVectors, mask: np.ndarray) -> TaskVectors:
    return TaskVectors([key for key, keep in zip(tasks.keys, mask) if keep], tasks.vectors[mask])
