"""Duplicates across datasets (issue 15), over the store: rewrite `instance_duplicates` with every
instance the corpus leaves out and why, in one transaction. No Dagster here.

"Earliest" (which copy stays): datasets in order of the Hub's creation date (`hub_listing.created_at`;
the original predates its copies), then first listing, then dataset id (a dataset the listing never
saw comes after those it saw); within a dataset, by task id, then instance index.

1. `near_duplicate_instruction` (near.py): the tasks of a later dataset whose instruction's embedding
   (the given model's, from `instruction_embeddings`) is at least `threshold` similar to a kept task
   of an earlier dataset in the same output space; every instance of such a task is left out. Two
   free-form tasks (no labels) are in the same output space when their output fields have the same
   names and at least half (MIN_OUTPUT_OVERLAP) of the later task's distinct outputs are outputs of
   the earlier one: a generic instruction ("Answer the question.") over another dataset's rows is
   not a copy. Tasks whose instruction has no embedding yet are not compared.
2. `exact_instance`: among the instances still in, those whose (instruction, input, output) an
   earlier instance already has, in DuckDB (a hash finds the repeated keys; only their rows are
   sorted). The instance kept is always one that stays in the corpus.
"""

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from dynosaur_assets.dedup.near import NearDuplicate, greedy_duplicates, output_space, similar_pairs
from dynosaur_assets.store import transaction

EXACT, NEAR = "exact_instance", "near_duplicate_instruction"
REASONS = (EXACT, NEAR)
MIN_OUTPUT_OVERLAP = 0.5  # share of a later free-form task's distinct outputs the earlier task must have

DATASET_ORDER = """
dataset_order AS (
    SELECT d.dataset_id,
           row_number() OVER (ORDER BY l.created_at NULLS LAST, l.first_listed_at NULLS LAST, d.dataset_id)
               AS dataset_rank
    FROM (SELECT dataset_id FROM instructions UNION SELECT dataset_id FROM instruction_samples) d
    LEFT JOIN hub_listing l USING (dataset_id)
)"""

_TASKS = f"""
WITH {DATASET_ORDER}
SELECT i.dataset_id, i.task_id, i.labels, i.output_field, e.embedding
FROM instructions i
JOIN dataset_order o USING (dataset_id)
JOIN instruction_embeddings e ON e.instruction = i.instruction AND e.model = $model
ORDER BY o.dataset_rank, i.task_id
"""

_INSERT_NEAR = f"""
INSERT INTO instance_duplicates
SELECT s.dataset_id, s.task_id, s.instance_idx, '{NEAR}', p.kept_dataset_id, p.kept_task_id, NULL, p.similarity
FROM instruction_samples s JOIN near_pairs p USING (dataset_id, task_id)
"""

_INSERT_EXACT = f"""
INSERT INTO instance_duplicates
WITH {DATASET_ORDER},
candidates AS (
    SELECT s.dataset_id, s.task_id, s.instance_idx, s.instruction, s.input, s.output,
           hash(s.instruction, s.input, s.output) AS key
    FROM instruction_samples s
    WHERE NOT EXISTS (SELECT 1 FROM instance_duplicates d
                      WHERE d.dataset_id = s.dataset_id AND d.task_id = s.task_id)
),
repeated AS (SELECT key FROM candidates GROUP BY key HAVING count(*) > 1)
SELECT c.dataset_id, c.task_id, c.instance_idx, '{EXACT}',
       first_value(c.dataset_id) OVER copies, first_value(c.task_id) OVER copies,
       first_value(c.instance_idx) OVER copies, NULL
FROM candidates c SEMI JOIN repeated USING (key)
JOIN dataset_order o USING (dataset_id)
WINDOW copies AS (PARTITION BY c.instruction, c.input, c.output
                  ORDER BY o.dataset_rank, c.task_id, c.instance_idx)
QUALIFY row_number() OVER copies > 1
"""


@dataclass
class Tasks:
    """The embedded tasks, earliest first: their keys, datasets, output spaces and unit vectors."""

    keys: list[tuple[str, str]]
    spaces: list[tuple[str, ...]]
    vectors: np.ndarray

    @property
    def datasets(self) -> list[str]:
        return [dataset_id for dataset_id, _ in self.keys]


@dataclass
class DedupOutcome:
    """What a pass left out: instances per reason, the tasks compared and the near-duplicate tasks."""

    instances: int
    dropped: dict[str, int]
    tasks: int
    tasks_compared: int
    near_duplicate_tasks: int

    @property
    def share_removed(self) -> float:
        return sum(self.dropped.values()) / self.instances if self.instances else 0.0


def load_tasks(conn: duckdb.DuckDBPyConnection, model: str) -> Tasks:
    """Every task whose instruction `model` has embedded, earliest first, with its output space."""
    table = conn.execute(_TASKS, {"model": model}).to_arrow_table()
    keys = list(zip(table["dataset_id"].to_pylist(), table["task_id"].to_pylist()))
    spaces = [output_space(labels, fields) for labels, fields in
              zip(table["labels"].to_pylist(), table["output_field"].to_pylist())]
    return Tasks(keys, spaces, _matrix(table["embedding"], model))


def _matrix(column: pa.ChunkedArray, model: str) -> np.ndarray:
    """The list column as an (n, d) float32 matrix; every vector must have the same length."""
    lists = column.combine_chunks()
    if len(lists) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    lengths = set(lists.value_lengths().to_pylist())
    if len(lengths) != 1:
        raise ValueError(f"instruction_embeddings of model {model!r} have mixed lengths {sorted(lengths)}")
    return lists.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(lists), -1)


def near_pairs(tasks: Tasks, found: list[NearDuplicate]) -> list[dict]:
    """The dropped tasks with the task each repeats and their similarity."""
    return [{"dataset_id": tasks.keys[d.dropped][0], "task_id": tasks.keys[d.dropped][1],
             "kept_dataset_id": tasks.keys[d.kept][0], "kept_task_id": tasks.keys[d.kept][1],
             "similarity": d.similarity} for d in found]


_OVERLAP = """
WITH later AS (
    SELECT DISTINCT p.pair, s.output
    FROM candidate_pairs p JOIN instruction_samples s USING (dataset_id, task_id)
),
earlier AS (
    SELECT DISTINCT p.pair, s.output
    FROM candidate_pairs p
    JOIN instruction_samples s ON s.dataset_id = p.kept_dataset_id AND s.task_id = p.kept_task_id
)
SELECT l.pair, count(e.output) / count(*) AS overlap
FROM later l LEFT JOIN earlier e USING (pair, output)
GROUP BY l.pair
"""


def output_overlap(conn: duckdb.DuckDBPyConnection, pairs: list[dict]) -> list[float]:
    """For each (dataset_id, task_id, kept_dataset_id, kept_task_id) pair, the share of the first
    task's distinct outputs that the kept task also has."""
    if not pairs:
        return []
    candidate_pairs = pa.Table.from_pylist([{**p, "pair": i} for i, p in enumerate(pairs)])
    conn.register("candidate_pairs", candidate_pairs)
    try:
        shares = dict(conn.execute(_OVERLAP).fetchall())
    finally:
        conn.unregister("candidate_pairs")
    return [shares.get(i, 0.0) for i in range(len(pairs))]


def find_near_duplicates(conn: duckdb.DuckDBPyConnection, model: str, threshold: float) -> tuple[Tasks, list[dict]]:
    """The embedded tasks and the near-duplicate task pairs among them (free-form pairs only where
    their outputs overlap)."""
    tasks = load_tasks(conn, model)
    similar = similar_pairs(tasks.vectors, tasks.datasets, tasks.spaces, threshold) if tasks.keys else []
    free = [p for p in similar if tasks.spaces[p.dropped][0] == "field"]
    shares = dict(zip(free, output_overlap(conn, near_pairs(tasks, free))))
    same_space = [p for p in similar if shares.get(p, 1.0) >= MIN_OUTPUT_OVERLAP]
    return tasks, near_pairs(tasks, greedy_duplicates(same_space))


def rewrite_duplicates(conn: duckdb.DuckDBPyConnection, model: str, threshold: float | None) -> DedupOutcome:
    """Replace `instance_duplicates` in one transaction: near-duplicate tasks first (skipped when
    `threshold` is None), then exact duplicate instances among the rest."""
    compared, pairs = 0, []
    if threshold is not None:
        tasks, pairs = find_near_duplicates(conn, model, threshold)
        compared = len(tasks.keys)
    near = pa.Table.from_pylist(pairs, schema=pa.schema([
        ("dataset_id", pa.string()), ("task_id", pa.string()), ("kept_dataset_id", pa.string()),
        ("kept_task_id", pa.string()), ("similarity", pa.float64())]))
    with transaction(conn, "instance duplicates", {"near_duplicate_tasks": len(pairs)}):
        conn.execute("DELETE FROM instance_duplicates")
        conn.register("near_pairs", near)
        try:
            conn.execute(_INSERT_NEAR)
        finally:
            conn.unregister("near_pairs")
        conn.execute(_INSERT_EXACT)
    return DedupOutcome(
        instances=conn.execute("SELECT count(*) FROM instruction_samples").fetchone()[0],
        dropped=duplicate_counts(conn), tasks=conn.execute("SELECT count(*) FROM instructions").fetchone()[0],
        tasks_compared=compared, near_duplicate_tasks=len(pairs))


def duplicate_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Instances left out per reason (every reason, zero included)."""
    counts = dict(conn.execute("SELECT reason, count(*) FROM instance_duplicates GROUP BY reason").fetchall())
    return {reason: counts.get(reason, 0) for reason in REASONS}


def dropped_pairs(conn: duckdb.DuckDBPyConnection, per_reason: int = 3) -> list[dict]:
    """A few dropped instances per reason beside the copy that stays (for a near-duplicate task, its
    first instance beside the kept task's first): datasets, similarity, both instructions and inputs."""
    rows = conn.execute("""
        WITH picked AS (
            SELECT * FROM instance_duplicates
            WHERE kept_instance_idx IS NOT NULL OR instance_idx = 0  -- a near-duplicate task once
            QUALIFY row_number() OVER (PARTITION BY reason ORDER BY dataset_id, task_id, instance_idx) <= $n
        )
        SELECT p.reason, p.dataset_id, p.kept_dataset_id, round(p.similarity, 4) AS similarity,
               s.instruction, k.instruction AS kept_instruction, s.input, k.input AS kept_input
        FROM picked p
        JOIN instruction_samples s USING (dataset_id, task_id, instance_idx)
        JOIN instruction_samples k ON k.dataset_id = p.kept_dataset_id AND k.task_id = p.kept_task_id
             AND k.instance_idx = coalesce(p.kept_instance_idx, 0)
        ORDER BY p.reason, p.dataset_id, p.task_id, p.instance_idx""", {"n": per_reason})
    columns = [c[0] for c in rows.description]
    return [dict(zip(columns, row)) for row in rows.fetchall()]
