"""docs/method.md §5: replay selection over instruction embeddings, on small hand-made cases."""

import numpy as np
import pytest

from dynosaur_assets.embed.replay import (
    max_similarity_to_current,
    select_diverse,
    select_least_similar,
    select_similar,
)

# Five past tasks in 2-D: a tight cluster near the origin and two far points.
PAST_2D = np.array([
    [0.0, 0.0],   # 0
    [0.1, 0.0],   # 1
    [0.0, 0.1],   # 2
    [5.0, 0.0],   # 3
    [0.0, 4.0],   # 4
])

# Four past tasks in 3-D, near the axes, and a current stage along x and slightly towards y.
PAST_3D = np.array([
    [1.0, 0.0, 0.0],   # 0: identical direction to current[0]
    [0.0, 1.0, 0.0],   # 1
    [0.0, 0.0, 1.0],   # 2: orthogonal to every current task
    [1.0, 1.0, 0.0],   # 3: 45 degrees from x
])
CURRENT_3D = np.array([
    [2.0, 0.0, 0.0],
    [0.6, 0.8, 0.0],
])


def test_diverse_starts_farthest_from_the_mean_then_covers():
    # mean = (1.02, 0.82): farthest is 3 (~4.06 away; 4 is ~3.34). Then 4 (6.40 from 3). Then the
    # point whose nearest chosen point is farthest: 0 -> 4.0, 1 -> 4.00125 (to 4), 2 -> 3.9, so 1.
    # Then 2 (0.141 from 1) before 0 (0.1 from 1).
    assert select_diverse(PAST_2D, 3).tolist() == [3, 4, 1]
    assert select_diverse(PAST_2D, 4).tolist() == [3, 4, 1, 2]


def test_diverse_returns_every_task_for_large_k_without_repeats():
    assert sorted(select_diverse(PAST_2D, 10).tolist()) == [0, 1, 2, 3, 4]
    duplicates = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    assert select_diverse(duplicates, 3).tolist() == [0, 1, 2]


def test_diverse_edge_cases():
    assert select_diverse(PAST_2D, 0).tolist() == []
    assert select_diverse(PAST_2D, 1).tolist() == [3]
    assert select_diverse(np.zeros((0, 2)), 3).tolist() == []
    with pytest.raises(ValueError, match="k must be"):
        select_diverse(PAST_2D, -1)
    with pytest.raises(ValueError, match="2-D"):
        select_diverse(np.zeros(3), 1)


def test_diverse_on_unit_sphere_picks_opposite_points():
    # Unit vectors in 3-D: +x, -x, +y, a near copy of +x. Mean = (0.2475, 0.25, 0.0352);
    # farthest from it is -x (1); then +x (0) opposite it; then +y (2), not the near copy (3).
    past = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.99, 0.0, 0.141]])
    assert select_diverse(past, 3).tolist() == [1, 0, 2]


def test_max_similarity_is_cosine_to_the_closest_current_task():
    scores = max_similarity_to_current(PAST_3D, CURRENT_3D)
    np.testing.assert_allclose(scores, [1.0, 0.8, 0.0, 1.4 / np.sqrt(2)], atol=1e-12)


def test_a_zero_embedding_has_similarity_zero_not_nan():
    scores = max_similarity_to_current(np.vstack([PAST_3D, np.zeros(3)]), np.vstack([CURRENT_3D, np.zeros(3)]))
    np.testing.assert_allclose(scores, [1.0, 0.8, 0.0, 1.4 / np.sqrt(2), 0.0], atol=1e-12)


def test_similar_ranks_past_tasks_by_max_cosine():
    # scores: 0 -> 1.0, 3 -> 0.99, 1 -> 0.8, 2 -> 0.0
    assert select_similar(PAST_3D, CURRENT_3D, 2).tolist() == [0, 3]
    assert select_similar(PAST_3D, CURRENT_3D, 10).tolist() == [0, 3, 1, 2]


def test_least_similar_is_the_opposite_order():
    assert select_least_similar(PAST_3D, CURRENT_3D, 2).tolist() == [2, 1]
    assert select_least_similar(PAST_3D, CURRENT_3D, 4).tolist() == [2, 1, 3, 0]


def test_ties_go_to_the_lower_index():
    past = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    current = np.array([[1.0, 0.0]])
    assert select_similar(past, current, 2).tolist() == [1, 2]
    assert select_least_similar(past, current, 2).tolist() == [0, 3]


def test_similarity_checks_shapes():
    with pytest.raises(ValueError, match="dimensions"):
        select_similar(PAST_3D, np.ones((1, 2)), 1)
    with pytest.raises(ValueError, match="no task embeddings"):
        select_least_similar(PAST_3D, np.zeros((0, 3)), 1)
    assert select_similar(np.zeros((0, 3)), CURRENT_3D, 2).tolist() == []
