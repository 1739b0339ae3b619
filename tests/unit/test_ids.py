"""Which dataset ids may become partition keys, paths and Hub requests: hostile ids are refused by name."""

import pytest

from dynosaur_assets.hub.ids import invalid_dataset_id_reason

GOOD = ["squad", "acme-nlp/support-desk", "Org_1/data.set-2", "a/" + "b" * 96]
HOSTILE = [
    "../etc", "owner/../../etc", "/etc/passwd", "owner/.hidden", "-owner/x", "owner/-x", "a/b/c", "owner/",
    "it's", 'say"hi"', "a,b", "a;DROP TABLE hub_listing;--", "new\nline", "nul\0byte", "tab\tname",
    "two words", "x" * 301, "pr\u043educt-reviews", "acme/\u6570\u636e", "caf\u00e9/menu", "ＡＢＣ/full-width",
    "a--b", "owner/name\n", "",
]


@pytest.mark.parametrize("dataset_id", GOOD)
def test_hub_ids_are_accepted(dataset_id):
    assert invalid_dataset_id_reason(dataset_id) is None


@pytest.mark.parametrize("dataset_id", HOSTILE)
def test_hostile_ids_are_refused_with_a_reason(dataset_id):
    reason = invalid_dataset_id_reason(dataset_id)
    assert reason and ("Hub dataset id" in reason or "Dagster forbids" in reason or "longer than" in reason)


def test_a_homoglyph_is_named_as_not_a_hub_id():
    assert "ASCII" in invalid_dataset_id_reason("acme-nlp/pr\u043educt-reviews")
