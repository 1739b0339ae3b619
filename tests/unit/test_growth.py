"""find_new_datasets (docs/method.md §5: only new datasets)."""

import pytest

from dynosaur_assets.hub.growth import find_new_datasets


def test_known_ids_are_skipped_and_the_head_is_the_first_listed():
    found = find_new_datasets(["c/new", "b/old", "a/new"], known={"b/old"}, batch_size=10)
    assert found.new == ["c/new", "a/new"]
    assert found.head == "c/new"
    assert found.exhausted is True
    assert found.invalid == {}


def test_batch_bound_leaves_the_listing_not_exhausted():
    listing = [f"o/d{i}" for i in range(5)]
    found = find_new_datasets(listing, known=set(), batch_size=2)
    assert found.new == ["o/d0", "o/d1"]
    assert found.exhausted is False
    exact = find_new_datasets(listing[:2], known=set(), batch_size=2)
    assert (exact.new, exact.exhausted) == (["o/d0", "o/d1"], True)


def test_stop_at_ends_the_walk():
    found = find_new_datasets(["o/c", "o/b", "o/a"], known=set(), batch_size=10, stop_at="o/b")
    assert found.new == ["o/c"]
    assert (found.head, found.exhausted) == ("o/c", True)
    nothing_new = find_new_datasets(["o/c", "o/b"], known=set(), batch_size=10, stop_at="o/c")
    assert (nothing_new.new, nothing_new.head) == ([], "o/c")


def test_empty_listing():
    found = find_new_datasets([], known=set(), batch_size=3)
    assert (found.new, found.head, found.exhausted) == ([], None, True)


@pytest.mark.parametrize("bad", ["a/b/c", "bad id", "x...y", "o/" + "n" * 298, "o/line\nbreak", "bad..name", "-lead"])
def test_invalid_ids_are_reported_not_raised(bad):
    found = find_new_datasets(["o/good", bad, "o/also-good"], known=set(), batch_size=10)
    assert found.new == ["o/good", "o/also-good"]
    assert list(found.invalid) == [bad]
    assert found.invalid[bad]


def test_invalid_ids_do_not_count_against_the_batch():
    found = find_new_datasets(["bad id", "a/b/c", "o/one", "o/two"], known=set(), batch_size=1)
    assert found.new == ["o/one"]
    assert set(found.invalid) == {"bad id", "a/b/c"}
    assert found.exhausted is False

