"""Replay selection (docs/method.md §5.3, continual learning on a growing stream of tasks): pure numpy.

When training moves on to a new *stage* of tasks, k *past* tasks are replayed. Each strategy ranks
past tasks and keeps the first k:

- `instr_diverse`: greedy k-center on cosine distance over the past tasks' instruction embeddings
  (`select_diverse`): cover the instruction space of the past.
- `instr_similar`: the past tasks whose instruction is most similar (max cosine) to any stage task
  (`select_similar`).
- `instr_support`: each stage task nominates its `SUPPORT_NEIGHBOURS` nearest past tasks (cosine on
  instructions); a past task's support is the sum, over the stage tasks that nominated it, of its
  cosine similarity to them (negative similarities count 0), so a past task near many stage tasks
  outranks one very near a single stage task (`select_support`). Ties, and the past tasks nobody
  nominated, are ordered by max cosine similarity to the stage.
- `data_diverse`: the same k-center as `instr_diverse`, on data vectors (`mean_directions` of the
  embeddings of a task's first instance inputs) instead of instructions.
- `random`: a seeded uniform sample (`select_random`), the baseline.

`select_least_similar` is Instr. Diverse in the paper's own words (the past tasks least similar to the
stage); the benchmark compares it, the asset does not run it.

Every function takes past embeddings of shape (n, d) whose row i is the caller's i-th past task, and
returns a `Selection`: row indices into them in rank order, with each one's score. Ties go to the
lower index, so results are deterministic. A k larger than n returns every past task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from dynosaur_assets.embed.embedder import normalise_rows
from dynosaur_assets.method import REPLAY_STRATEGIES, SUPPORT_NEIGHBOURS


class Selection(NamedTuple):
    """The chosen past rows in rank order, and each one's score (NaN for `random`)."""

    indices: np.ndarray
    scores: np.ndarray


def select(strategy: str, past: np.ndarray, stage: np.ndarray, k: int, seed: int = 0) -> Selection:
    """Run one strategy of `REPLAY_STRATEGIES`; `past` holds the vectors it ranks (data vectors for
    `data_diverse`, instruction vectors otherwise), `stage` the stage's instruction vectors."""
    if strategy in ("instr_diverse", "data_diverse"):
        return select_diverse(past, k)
    if strategy == "instr_similar":
        return select_similar(past, stage, k)
    if strategy == "instr_support":
        return select_support(past, stage, k)
    if strategy == "random":
        return select_random(len(past), k, seed)
    raise ValueError(f"unknown replay strategy {strategy!r}; expected one of {', '.join(REPLAY_STRATEGIES)}")


def select_diverse(past: np.ndarray, k: int) -> Selection:
    """Greedy k-center on cosine distance (1 - cosine similarity).

    Starts at the past task farthest from the mean direction of the past, then repeatedly adds the
    task whose cosine distance to its nearest chosen task is largest. Each score is the distance the
    task was picked at (for the first, its distance to the mean direction), so scores never increase.
    """
    past = unit_rows(past, "past")
    k = _clamp(k, len(past))
    if k == 0:
        return _empty()
    mean = unit_rows(past.mean(axis=0, keepdims=True), "mean")[0]
    distance = 1.0 - past @ mean  # the first pick's; then each task's distance to its nearest chosen one
    nearest = np.full(len(past), np.inf)
    chosen: list[int] = []
    scores: list[float] = []
    while len(chosen) < k:
        pick = int(np.argmax(distance))
        chosen.append(pick)
        scores.append(float(distance[pick]))
        nearest = np.minimum(nearest, 1.0 - past @ past[pick])
        distance = nearest.copy()
        distance[chosen] = -np.inf  # never re-pick, even among duplicate embeddings
    return Selection(np.asarray(chosen, dtype=np.int64), np.asarray(scores))


def select_similar(past: np.ndarray, stage: np.ndarray, k: int) -> Selection:
    """The k past tasks with the highest max cosine similarity to any stage task (the score)."""
    scores = max_similarity_to_stage(past, stage)
    order = np.argsort(-scores, kind="stable")[:_clamp(k, len(scores))]
    return Selection(order.astype(np.int64), scores[order])


def select_least_similar(past: np.ndarray, stage: np.ndarray, k: int) -> Selection:
    """Instr. Diverse as the paper words it: the k past tasks whose max cosine similarity to any stage
    task (the score) is lowest."""
    scores = max_similarity_to_stage(past, stage)
    order = np.argsort(scores, kind="stable")[:_clamp(k, len(scores))]
    return Selection(order.astype(np.int64), scores[order])


def select_support(past: np.ndarray, stage: np.ndarray, k: int, neighbours: int = SUPPORT_NEIGHBOURS) -> Selection:
    """Instr. Support: rank past tasks by `support_scores` (the score), then by max cosine similarity
    to the stage, then by index."""
    support = support_scores(past, stage, neighbours)
    nearest = max_similarity_to_stage(past, stage)
    order = np.lexsort((np.arange(len(support)), -nearest, -support))[:_clamp(k, len(support))]
    return Selection(order.astype(np.int64), support[order])


def support_scores(past: np.ndarray, stage: np.ndarray, neighbours: int = SUPPORT_NEIGHBOURS) -> np.ndarray:
    """For each past task, the sum over the stage tasks that count it among their `neighbours` nearest
    past tasks (ties to the lower index) of its cosine similarity to them, negatives as 0 (shape (n,))."""
    if neighbours < 1:
        raise ValueError(f"neighbours must be >= 1, got {neighbours}")
    similarities = _similarities(past, stage)
    support = np.zeros(len(similarities))
    if len(similarities) == 0:
        return support
    nominated = np.argsort(-similarities, axis=0, kind="stable")[:neighbours]  # (neighbours, stage tasks)
    weights = np.take_along_axis(similarities, nominated, axis=0).clip(min=0.0)
    np.add.at(support, nominated.ravel(), weights.ravel())
    return support


def select_random(n: int, k: int, seed: int) -> Selection:
    """k of n past tasks drawn uniformly without replacement with numpy's generator seeded by `seed`."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    order = np.random.default_rng(seed).permutation(n)[:_clamp(k, n)]
    return Selection(order.astype(np.int64), np.full(len(order), np.nan))


def max_similarity_to_stage(past: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """For each past task, its highest cosine similarity to any stage task (shape (n,))."""
    return _similarities(past, stage).max(axis=1)


def coverage_radius(past: np.ndarray, chosen: Sequence[int] | np.ndarray) -> float:
    """How well a selection covers the past: the largest cosine distance from a past task to its
    nearest chosen task (0 when every past task is chosen; the k-center objective)."""
    past = unit_rows(past, "past")
    chosen = np.asarray(chosen, dtype=np.int64)
    if len(chosen) == 0:
        raise ValueError("coverage_radius needs at least one chosen task")
    return float((1.0 - past @ past[chosen].T).min(axis=1).max(initial=0.0))


def mean_directions(groups: Sequence[np.ndarray]) -> np.ndarray:
    """One unit vector per group of embeddings (a task's instance inputs): the normalised mean of its
    rows. A group must hold at least one row."""
    for position, group in enumerate(groups):
        if np.ndim(group) != 2 or len(group) == 0:
            raise ValueError(f"group {position} must be a non-empty 2-D array, got shape {np.shape(group)}")
    if not groups:
        return np.zeros((0, 0))
    return unit_rows(np.stack([np.asarray(group, dtype=np.float64).mean(axis=0) for group in groups]), "means")


def unit_rows(vectors: np.ndarray, name: str) -> np.ndarray:
    """A 2-D float64 copy with rows scaled to unit L2 norm (all-zero rows stay zero)."""
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (tasks, dimensions), got shape {array.shape}")
    return normalise_rows(array, np.float64)


def _similarities(past: np.ndarray, stage: np.ndarray) -> np.ndarray:
    past, stage = unit_rows(past, "past"), unit_rows(stage, "stage")
    if past.shape[1] != stage.shape[1]:
        raise ValueError(f"past has {past.shape[1]} dimensions, stage has {stage.shape[1]}")
    if len(stage) == 0:
        raise ValueError("the stage has no task embeddings")
    return past @ stage.T


def _clamp(k: int, n: int) -> int:
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return min(k, n)


def _empty() -> Selection:
    return Selection(np.zeros(0, dtype=np.int64), np.zeros(0))
