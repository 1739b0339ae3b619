"""Near-duplicate instructions (issue 15): two tasks of different datasets whose instruction embeddings
have a cosine similarity at or above a threshold, in the same output space, are one task; the
earliest stays and the later one is dropped. Plain numpy, blocked: no similarity matrix larger than
`block` × `block` is ever formed, whatever the number of tasks.

Definitions (dynosaur_assets/dedup/README.md):
- *output space* (`output_space`): the task's label set when it has one (§4: ≤ 10 distinct output
  values), else the lower-cased names of its output field(s). A labelled and a free-form task are
  never in the same space. (duplicates.py also asks two free-form tasks to share outputs.)
- only tasks of **different datasets** are compared: the tasks of one config share its sample rows
  and curation already merged their exact duplicates (§3), so two similar instructions there are two
  wordings over the same rows, not a copy of another dataset.
- rows come in "earliest first" order; a task paired with an earlier task that is kept is dropped
  (greedy) and points at the most similar such task (ties: the earliest).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dynosaur_assets.embed.embedder import normalise_rows

BLOCK = 1024  # tasks compared with as many others at once


@dataclass(frozen=True)
class NearDuplicate:
    """Row `dropped` repeats the instruction of row `kept` (an earlier row) with this cosine similarity."""

    dropped: int
    kept: int
    similarity: float


def output_space(labels: Sequence[str] | None, output_field: Sequence[str]) -> tuple[str, ...]:
    """The output space of a task: ('labels', *its sorted label set) when it has labels, else
    ('field', *its sorted lower-cased output field names)."""
    if labels:
        return ("labels", *sorted(set(labels)))
    if not output_field:
        raise ValueError("a task without labels needs an output field to define its output space")
    return ("field", *sorted({name.lower() for name in output_field}))


def check_threshold(threshold: float) -> float:
    """The similarity threshold, which must lie in (0, 1]."""
    if not 0 < threshold <= 1:
        raise ValueError(f"the near-duplicate similarity threshold must be in (0, 1], got {threshold}")
    return threshold


def similar_pairs(
    vectors: np.ndarray, datasets: Sequence[str], spaces: Sequence[tuple[str, ...]], threshold: float,
    block: int = BLOCK,
) -> list[NearDuplicate]:
    """Every pair of tasks of different datasets in one output space whose similarity is at least
    `threshold`, as (later row, earlier row, similarity); rows are tasks given earliest first (row i
    has embedding `vectors[i]`, dataset `datasets[i]`, output space `spaces[i]`). Sorted by row."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(datasets) or len(vectors) != len(spaces):
        raise ValueError(f"need one embedding row, dataset and output space per task: got {vectors.shape}, "
                         f"{len(datasets)} datasets, {len(spaces)} spaces")
    if block < 1:
        raise ValueError(f"block must be positive, got {block}")
    check_threshold(threshold)
    unit = normalise_rows(vectors)
    codes = np.unique(np.asarray(datasets, dtype=object), return_inverse=True)[1]
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for row, space in enumerate(spaces):
        groups[space].append(row)
    pairs = []
    for rows in groups.values():
        index = np.asarray(rows)
        pairs += [NearDuplicate(int(index[i]), int(index[j]), s)
                  for i, j, s in _group_pairs(unit[index], codes[index], threshold, block)]
    return sorted(pairs, key=lambda p: (p.dropped, p.kept))


def _group_pairs(unit: np.ndarray, codes: np.ndarray, threshold: float,
                 block: int) -> list[tuple[int, int, float]]:
    """(later, earlier, similarity) within one output space, comparing `block` rows with `block`
    earlier rows at a time (indices local to the group)."""
    found = []
    for start in range(0, len(unit), block):
        later = np.arange(start, min(start + block, len(unit)))
        for first in range(0, start + len(later), block):
            earlier = np.arange(first, min(first + block, later[-1]))
            scores = unit[later] @ unit[earlier].T
            hit = (scores >= threshold) & (later[:, None] > earlier[None, :]) \
                & (codes[later][:, None] != codes[earlier][None, :])
            found += [(int(later[i]), int(earlier[j]), float(scores[i, j])) for i, j in zip(*np.nonzero(hit))]
    return found


def greedy_duplicates(pairs: Sequence[NearDuplicate]) -> list[NearDuplicate]:
    """Earliest first, a task is dropped when it is paired with an earlier task that is kept; it
    points at the most similar such task (ties: the earliest). Sorted by dropped row."""
    dropped: dict[int, NearDuplicate] = {}
    for pair in sorted(pairs, key=lambda p: (p.dropped, -p.similarity, p.kept)):
        if pair.dropped not in dropped and pair.kept not in dropped:
            dropped[pair.dropped] = pair
    return sorted(dropped.values(), key=lambda p: p.dropped)
