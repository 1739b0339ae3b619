"""The Hub's listing: candidates and reasons (docs/method.md §1 on listed card metadata), a pass recorded
in one transaction down to the previous pass's watermark, and which datasets the next runs read."""

import datetime

import pytest

from dynosaur_assets.hub.listing import ListedDataset, is_older_than_watermark, listing_drop_reason
from dynosaur_assets.hub.listing_store import plan_partitions, record_listing
from dynosaur_assets.store import connect_store, insert_rows

NOW = datetime.datetime(2026, 12, 6, 12, 0)
ENGLISH_MIT = {"license": "mit", "language": ["en"]}


def listed(dataset_id: str, hours_ago: float = 0, sha: str = "a", downloads: int = 0, card: dict | None = None,
           **fields) -> ListedDataset:
    moment = (NOW - datetime.timedelta(hours=hours_ago)).replace(tzinfo=datetime.UTC)
    return ListedDataset(dataset_id, created_at=moment, last_modified=moment, sha=sha, downloads=downloads,
                         card_data=ENGLISH_MIT if card is None else card, **fields)


@pytest.mark.parametrize("item, reason", [
    (listed("o/good"), None),
    (listed("o/no-meta", card={}), "no_license"),
    (listed("o/gpl", card={"license": "GPL-3.0", "language": "en"}), None),
    (listed("o/nd", card={"license": "cc-by-nc-nd-4.0", "language": "en"}), "disallowed_license"),
    (listed("o/fr", card={"license": "mit", "language": ["fr"]}), "non_english"),
    (listed("o/two", card={"license": "mit", "language": ["en", "de"], "multilinguality": ["translation"]}),
     "translation"),
    (listed("o/untagged", card={"license": "mit"}), None),
    (listed("bad..owner/x"), "invalid_id"),
    (listed("o/broken", card={}, card_error="mapping values are not allowed here"), "unreadable_card"),
])
def test_a_listed_dataset_is_a_candidate_or_has_its_reason(item, reason):
    assert listing_drop_reason(item) == reason


def test_the_watermark_keeps_an_hour_of_overlap():
    assert not is_older_than_watermark(listed("o/a", hours_ago=0.5), NOW)
    assert is_older_than_watermark(listed("o/a", hours_ago=1.5), NOW)
    assert not is_older_than_watermark(listed("o/a", hours_ago=100), None)


@pytest.fixture
def conn():
    with connect_store(None) as connection:
        yield connection


def test_a_pass_stores_new_and_changed_datasets_and_stops_at_the_last_pass(conn):
    first = record_listing(conn, [listed("o/new", 0), listed("o/fr", 5, card={"license": "mit", "language": "fr"}),
                                  listed("o/old", 10)], NOW)
    assert (first.listed, first.new, first.new_candidates, first.changed) == (3, 3, 2, 0)
    assert first.reasons == {"non_english": 1}
    later = NOW + datetime.timedelta(days=1)
    walked = []

    def listing():
        for item in [listed("o/newer", -20), listed("o/new", 0, sha="b"), listed("o/fr", 5), listed("o/old", 10)]:
            walked.append(item.dataset_id)
            yield item

    second = record_listing(conn, listing(), later)
    assert walked == ["o/newer", "o/new", "o/fr"]  # o/fr was modified 5 h before the newest stored: stop
    assert (second.listed, second.new, second.changed, second.watermark) == (2, 1, 1, NOW)
    rows = {row[0]: row[1:] for row in conn.execute(
        "SELECT dataset_id, sha, listed_at, first_listed_at, candidate FROM hub_listing").fetchall()}
    assert rows["o/new"] == ("b", later, NOW, True)  # rewritten for its new commit, first listed before
    assert rows["o/fr"] == ("a", NOW, NOW, False)  # not walked: as the first pass stored it
    whole = record_listing(conn, [listed("o/old", 10)], later, full=True)
    assert (whole.listed, whole.new, whole.changed) == (1, 0, 0)


def test_a_pass_that_fails_stores_nothing(conn):
    def broken():
        yield listed("o/a")
        raise ConnectionError("the Hub went away")

    with pytest.raises(ConnectionError):
        record_listing(conn, broken(), NOW)
    assert conn.execute("SELECT count(*) FROM hub_listing").fetchone() == (0,)


def test_candidates_become_partitions_in_the_chosen_order_up_to_the_cap(conn):
    record_listing(conn, [listed("o/a", 3, downloads=5), listed("o/b", 2, downloads=50), listed("o/c", 1, downloads=9),
                          listed("o/d", 0, card={})], NOW)
    newest = plan_partitions(conn, [], "created", 2)
    assert (newest.new, newest.waiting) == (["o/c", "o/b"], 1)
    assert plan_partitions(conn, [], "downloads", 2).new == ["o/b", "o/c"]
    assert plan_partitions(conn, ["o/b", "o/c"], "downloads", 5).new == ["o/a"]
    with pytest.raises(ValueError, match="DYNOSAUR_HUB_ORDER"):
        plan_partitions(conn, [], "stars", 2)


def test_partitions_whose_commit_changed_or_never_read_are_read_again(conn):
    record_listing(conn, [listed("o/a", sha="new"), listed("o/b", sha="same"), listed("o/c")], NOW)
    insert_rows(conn, "hub_datasets", [
        {"dataset_id": dataset_id, "config": "default", "task_name": dataset_id, "keep": True, "sample_rows": 1,
         "source": "hf", "ingested_at": NOW, "sha": sha}
        for dataset_id, sha in [("o/a", "old"), ("o/b", "same")]])
    plan = plan_partitions(conn, ["o/a", "o/b", "o/c"], "created", 10)
    assert (plan.new, plan.changed, plan.unread) == ([], [("o/a", "new")], ["o/c"])
