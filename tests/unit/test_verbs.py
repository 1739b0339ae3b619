"""verb_noun heuristic (METHOD.md §5 diversity analysis) against hand labels in verb_noun_labels.json."""

import json
from collections import Counter
from pathlib import Path

import pytest

from dynosaur_assets.reports.verbs import singularize, verb_noun, verb_noun_counts

LABELS = json.loads((Path(__file__).parent / "verb_noun_labels.json").read_text())["items"]


def _agreement(items):
    verb = pair = 0
    for item in items:
        got = verb_noun(item["instruction"])
        verb += got[0] == item["verb"]
        pair += got == (item["verb"], item["noun"])
    return verb / len(items), pair / len(items)


def test_there_are_at_least_100_hand_labels():
    assert len(LABELS) >= 100


@pytest.mark.parametrize("split", ["all", "tune", "holdout"])
def test_agreement_with_hand_labels(split):
    items = LABELS if split == "all" else [i for i in LABELS if i["split"] == split]
    verb, pair = _agreement(items)
    print(f"{split}: n={len(items)} verb agreement={verb:.3f} pair agreement={pair:.3f}")
    assert verb >= 0.85
    assert pair >= 0.7


def test_leading_clauses_are_skipped():
    assert verb_noun("Given the premise, decide whether the hypothesis is entailed.") == ("decide", "hypothesis")
    assert verb_noun("Read the review and classify its sentiment") == ("classify", "sentiment")
    assert verb_noun("Based on the passage, answer the question.") == ("answer", "question")
    assert verb_noun("You are given a tweet. Classify it.") == ("classify", None)


def test_fallback_and_empty():
    assert verb_noun("") == (None, None)
    assert verb_noun("   ...") == (None, None)
    assert verb_noun("What is the capital of France?")[0] == "what"


def test_singularize():
    assert [singularize(w) for w in ["reviews", "entities", "class", "classes", "boxes", "news", "analysis", "status"]] == [
        "review", "entity", "class", "class", "box", "news", "analysis", "status"]


def test_counts():
    counts = verb_noun_counts(["Classify the reviews.", "Classify the tweet.", "Classify the review.", "Translate it.", ""])
    assert counts == {"classify": Counter({"review": 2, "tweet": 1}), "translate": Counter()}
