"""docs/method.md §5.3: replay selection strategies on small hand-made embeddings with known answers."""

import numpy as np
import pytest

from dynosaur_assets.method import REPLAY_STRATEGIES
from dynosaur_assets.replay.strategies import (
    coverage_radius,
    max_similarity_to_stage,
    mean_directions,
    select,
    select_diverse,
    select_least_similar,
    select_random,
    select_similar,
    select_support,
    support_scores,
)


def at(*degrees: float) -> np.ndarray:
    """Unit vectors in 2-D at these angles."""
    radians = np.radians(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1)


# Four past tasks in 3-D, near the axes, and a stage along x and slightly towards y.
PAST_3D = np.array([
    [1.0, 0.0, 0.0],   # 0: identical direction to stage[0]
    [0.0, 1.0, 0.0],   # 1
    [0.0, 0.0, 1.0],   # 2: orthogonal to every stage task
    [1.0, 1.0, 0.0],   # 3: 45 degrees from x
])
STAGE_3D = np.array([
    [2.0, 0.0, 0.0],
    [0.6, 0.8, 0.0],
])

# Past tasks A (0°), B (90°), C (45°), D (180°); a stage of three tasks around A and one exactly on B.
SUPPORT_PAST = at(0, 90, 45, 180)
SUPPORT_STAGE = at(5, -5, 10, 90)


def test_diverse_picks_the_far_points_first():
    # Mostly near 0-20°, with 110° and 200°: the mean direction is ~18°, so 200° (index 5) is farthest
    # from it; then 20° (180° from 200°), then 110° (90° from both, where 0-10° are within 20° of 20°).
    past = at(0, 5, 10, 20, 110, 200)
    chosen = select_diverse(past, 3)
    assert chosen.indices.tolist() == [5, 3, 4]
    np.testing.assert_allclose(chosen.scores[1:], [2.0, 1 - np.cos(np.radians(90))], atol=1e-12)
    assert chosen.scores[0] == pytest.approx(1 - np.cos(np.radians(200) - np.arctan2(*past.mean(axis=0)[::-1])))
    assert select_diverse(past, 6).indices.tolist()[:3] == [5, 3, 4]


def test_diverse_on_the_unit_sphere_skips_a_near_copy():
    # +x, -x, +y and a near copy of +x. Mean direction ~ (0.70, 0.71, 0.10): farthest is -x (1),
    # then +x (0) at distance 2, then +y (2) at distance 1, not the copy (0.01 from +x).
    past = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.99, 0.0, 0.141]])
    chosen = select_diverse(past, 3)
    assert chosen.indices.tolist() == [1, 0, 2]
    np.testing.assert_allclose(chosen.scores, [1 + 0.2475 / np.sqrt(0.125), 2.0, 1.0], atol=1e-3)


def test_diverse_scale_does_not_matter_cosine_does():
    past = at(0, 5, 10, 20, 110, 200) * np.array([[1.0], [7.0], [0.2], [3.0], [0.5], [9.0]])
    assert select_diverse(past, 3).indices.tolist() == [5, 3, 4]


def test_diverse_returns_every_task_for_large_k_without_repeats():
    assert sorted(select_diverse(at(0, 90, 180), 10).indices.tolist()) == [0, 1, 2]
    duplicates = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    assert select_diverse(duplicates, 3).indices.tolist() == [0, 1, 2]


def test_diverse_edge_cases():
    assert select_diverse(at(0, 90), 0).indices.tolist() == []
    assert select_diverse(np.zeros((0, 2)), 3).indices.tolist() == []
    with pytest.raises(ValueError, match="k must be"):
        select_diverse(at(0, 90), -1)
    with pytest.raises(ValueError, match="2-D"):
        select_diverse(np.zeros(3), 1)


def test_max_similarity_is_cosine_to_the_closest_stage_task():
    scores = max_similarity_to_stage(PAST_3D, STAGE_3D)
    np.testing.assert_allclose(scores, [1.0, 0.8, 0.0, 1.4 / np.sqrt(2)], atol=1e-12)


def test_a_zero_embedding_has_similarity_zero_not_nan():
    scores = max_similarity_to_stage(np.vstack([PAST_3D, np.zeros(3)]), np.vstack([STAGE_3D, np.zeros(3)]))
    np.testing.assert_allclose(scores, [1.0, 0.8, 0.0, 1.4 / np.sqrt(2), 0.0], atol=1e-12)


def test_similar_picks_the_past_tasks_nearest_the_stage():
    # scores: 0 -> 1.0, 3 -> 0.99, 1 -> 0.8, 2 -> 0.0
    chosen = select_similar(PAST_3D, STAGE_3D, 2)
    assert chosen.indices.tolist() == [0, 3]
    np.testing.assert_allclose(chosen.scores, [1.0, 1.4 / np.sqrt(2)])
    assert select_similar(PAST_3D, STAGE_3D, 10).indices.tolist() == [0, 3, 1, 2]


def test_least_similar_is_the_opposite_order():
    assert select_least_similar(PAST_3D, STAGE_3D, 2).indices.tolist() == [2, 1]
    assert select_least_similar(PAST_3D, STAGE_3D, 4).indices.tolist() == [2, 1, 3, 0]


def test_ties_go_to_the_lower_index():
    past = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    stage = np.array([[1.0, 0.0]])
    assert select_similar(past, stage, 2).indices.tolist() == [1, 2]
    assert select_least_similar(past, stage, 2).indices.tolist() == [0, 3]
    assert select_support(past, stage, 4, neighbours=1).indices.tolist() == [1, 2, 0, 3]


def test_support_weights_past_tasks_by_how_many_stage_tasks_they_are_near():
    # Each stage task nominates its one nearest past task: the three around 0° nominate A, the one on
    # 90° nominates B. A's support is the sum of three cosines; B's is 1; C and D get none.
    expected_a = np.cos(np.radians([5, 5, 10])).sum()
    np.testing.assert_allclose(support_scores(SUPPORT_PAST, SUPPORT_STAGE, 1), [expected_a, 1.0, 0.0, 0.0])
    chosen = select_support(SUPPORT_PAST, SUPPORT_STAGE, 3, neighbours=1)
    assert chosen.indices.tolist() == [0, 1, 2]  # C (45°) before D (180°) by max similarity to the stage
    np.testing.assert_allclose(chosen.scores, [expected_a, 1.0, 0.0])
    # Similar ranks B first: it is identical to one stage task, however lonely that task is.
    assert select_similar(SUPPORT_PAST, SUPPORT_STAGE, 2).indices.tolist() == [1, 0]


def test_support_with_more_neighbours_and_negative_similarities():
    # Two neighbours each: the stage around 0° also nominates C (45°); the one on 90° nominates C too.
    support = support_scores(SUPPORT_PAST, SUPPORT_STAGE, 2)
    expected_c = np.cos(np.radians([40, 50, 35, 45])).sum()
    np.testing.assert_allclose(support[2], expected_c)
    assert select_support(SUPPORT_PAST, SUPPORT_STAGE, 3, neighbours=2).indices.tolist() == [0, 2, 1]  # C: 2.94 > B: 1
    assert support_scores(at(0), at(180), 1).tolist() == [0.0]  # a cosine of -1 supports nothing
    with pytest.raises(ValueError, match="neighbours"):
        support_scores(SUPPORT_PAST, SUPPORT_STAGE, 0)


def test_random_is_seeded_and_differs_from_the_other_strategies():
    rng = np.random.default_rng(7)
    past, stage = rng.normal(size=(60, 8)), rng.normal(size=(5, 8))
    first = select_random(60, 10, seed=3)
    assert first.indices.tolist() == select_random(60, 10, seed=3).indices.tolist()
    assert first.indices.tolist() != select_random(60, 10, seed=4).indices.tolist()
    assert np.isnan(first.scores).all() and len(set(first.indices.tolist())) == 10
    others = {name: set(select(name, past, stage, 10).indices.tolist())
              for name in REPLAY_STRATEGIES if name != "random"}
    assert all(picked != set(first.indices.tolist()) for picked in others.values())
    assert len({frozenset(picked) for picked in others.values()}) == 3  # the two k-centers coincide on one matrix


def test_k_larger_than_the_past_returns_every_past_task_once():
    for name in REPLAY_STRATEGIES:
        chosen = select(name, SUPPORT_PAST, SUPPORT_STAGE, 10)
        assert sorted(chosen.indices.tolist()) == [0, 1, 2, 3], name
        assert len(chosen.scores) == 4


def test_select_names_the_strategy_it_does_not_know():
    with pytest.raises(ValueError, match="unknown replay strategy 'instr_best'"):
        select("instr_best", SUPPORT_PAST, SUPPORT_STAGE, 1)


def test_similarity_checks_shapes():
    with pytest.raises(ValueError, match="dimensions"):
        select_similar(PAST_3D, np.ones((1, 2)), 1)
    with pytest.raises(ValueError, match="no task embeddings"):
        select_support(PAST_3D, np.zeros((0, 3)), 1)
    assert select_similar(np.zeros((0, 3)), STAGE_3D, 2).indices.tolist() == []


def test_coverage_radius_is_the_farthest_past_task_from_its_nearest_chosen_one():
    past = at(0, 90, 180)
    assert coverage_radius(past, [0]) == pytest.approx(2.0)
    assert coverage_radius(past, [0, 2]) == pytest.approx(1.0)
    assert coverage_radius(past, [0, 1, 2]) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least one"):
        coverage_radius(past, [])


def test_mean_directions_are_unit_means_of_each_group():
    vectors = mean_directions([np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0, 0.0]])])
    np.testing.assert_allclose(vectors, [[np.sqrt(0.5), np.sqrt(0.5)], [1.0, 0.0]])
    with pytest.raises(ValueError, match="group 1"):
        mean_directions([np.ones((1, 2)), np.zeros((0, 2))])
