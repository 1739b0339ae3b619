"""Replay selection over instruction embeddings (docs/method.md §5, continual learning on a stream of tasks).

When training moves to a new stage of tasks, a few past tasks are replayed. The paper compares four
ways to pick them; the two that need only instruction embeddings are here:

- *Instr. Diverse*: `select_least_similar` (past tasks least similar to the current ones, as the
  paper states it) and `select_diverse` (past tasks covering the embedding space, k-center).
- *Instr. Similar*: `select_similar` (past tasks most similar to the current ones).

*Instr. Support* (past tasks most supportive of current ones) and *Data Diverse* (diversity of data
representations) need training signals from the model being tuned and are not implemented.

All functions take past embeddings of shape (n, d) whose row i belongs to `task_ids[i]` of the caller,
and return row indices into them (map with `[task_ids[i] for i in indices]`). Ties go to the lower
index, so the result is deterministic. `k` larger than n returns every past task.
"""

from __future__ import annotations

import numpy as np

from dynosaur_assets.embed.embedder import normalise_rows


def select_diverse(past: np.ndarray, k: int) -> np.ndarray:
    """Instr. Diverse as coverage: greedy farthest-point (k-center) selection of k past tasks.

    Starts at the task farthest from the mean embedding, then repeatedly adds the task farthest
    (Euclidean; on unit vectors that orders like cosine distance) from everything chosen so far.
    """
    past = _matrix(past, "past")
    k = _clamp(k, len(past))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    chosen = [int(np.argmax(_distances(past, past.mean(axis=0))))]
    nearest = _distances(past, past[chosen[0]])
    nearest[chosen[0]] = -np.inf
    while len(chosen) < k:
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, _distances(past, past[pick]))
        nearest[chosen] = -np.inf  # never re-pick, even among duplicate embeddings
    return np.asarray(chosen, dtype=np.int64)


def select_similar(past: np.ndarray, current: np.ndarray, k: int) -> np.ndarray:
    """Instr. Similar: the k past tasks with the highest max cosine similarity to any current task."""
    scores = max_similarity_to_current(past, current)
    return np.argsort(-scores, kind="stable")[:_clamp(k, len(scores))].astype(np.int64)


def select_least_similar(past: np.ndarray, current: np.ndarray, k: int) -> np.ndarray:
    """Instr. Diverse as the paper states it: the k past tasks whose max cosine similarity to any
    current task is lowest."""
    scores = max_similarity_to_current(past, current)
    return np.argsort(scores, kind="stable")[:_clamp(k, len(scores))].astype(np.int64)


def max_similarity_to_current(past: np.ndarray, current: np.ndarray) -> np.ndarray:
    """For each past task, its highest cosine similarity to any current-stage task (shape (n,))."""
    past, current = _matrix(past, "past"), _matrix(current, "current")
    if past.shape[1] != current.shape[1]:
        raise ValueError(f"past has {past.shape[1]} dimensions, current has {current.shape[1]}")
    if len(current) == 0:
        raise ValueError("current stage has no task embeddings")
    return (normalise_rows(past, np.float64) @ normalise_rows(current, np.float64).T).max(axis=1)


def _matrix(vectors: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (tasks, dimensions), got shape {array.shape}")
    return array


def _clamp(k: int, n: int) -> int:
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return min(k, n)


def _distances(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points - centre, axis=1)
