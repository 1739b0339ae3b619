"""Sampled splits, ClassLabel integers → names, and JSON-safe sample values (docs/method.md §1)."""

import datetime
import decimal
import json

import pytest
from datasets import ClassLabel, Features, List, Sequence, Value

from dynosaur_assets.hub.rows import is_sampled_split, json_safe, label_names, named_row

SENTIMENT = {"names": ["neg", "pos"], "_type": "ClassLabel"}


@pytest.mark.parametrize(
    ("value", "expected"), [(0, "neg"), (1, "pos"), (-1, None), (2, None), (None, None), ("pos", "pos"), (True, True)]
)
def test_class_label(value, expected):
    assert label_names(value, SENTIMENT) == expected


def test_no_feature_or_plain_value_is_unchanged():
    assert label_names(3, None) == 3
    assert label_names(3, {"dtype": "int64", "_type": "Value"}) == 3


def test_list_of_class_labels():
    tags = Features({"tags": List(ClassLabel(names=["O", "B-PER", "I-PER"]))}).to_dict()["tags"]
    assert label_names([1, 2, 0, -1], tags) == ["B-PER", "I-PER", "O", None]
    old_style = {"feature": SENTIMENT, "_type": "Sequence"}
    assert label_names([0, 1], old_style) == ["neg", "pos"]


def test_struct_with_a_class_label():
    struct = Features({"s": {"label": ClassLabel(names=["a", "b"]), "n": Value("int32")}}).to_dict()["s"]
    assert label_names({"label": 1, "n": 1}, struct) == {"label": "b", "n": 1}


def test_sequence_of_struct_is_a_dict_of_lists():
    # datasets turns Sequence({...}) into a struct of lists; the rows hold a dict of lists
    feature = Features(
        {"answers": Sequence({"text": Value("string"), "kind": ClassLabel(names=["span", "yes_no"])})}
    ).to_dict()["answers"]
    value = {"text": ["Paris", "yes"], "kind": [0, 1]}
    assert label_names(value, feature) == {"text": ["Paris", "yes"], "kind": ["span", "yes_no"]}
    old_style = {"feature": {"text": {"dtype": "string", "_type": "Value"}, "kind": SENTIMENT}, "_type": "Sequence"}
    assert label_names({"text": ["x"], "kind": [1]}, old_style) == {"text": ["x"], "kind": ["pos"]}


def test_list_of_structs():
    feature = Features({"turns": List({"speaker": ClassLabel(names=["user", "agent"])})}).to_dict()["turns"]
    assert label_names([{"speaker": 1}, {"speaker": 0}], feature) == [{"speaker": "agent"}, {"speaker": "user"}]


@pytest.mark.parametrize(
    ("split", "sampled"),
    [
        ("train", True),
        ("validation", True),
        ("train_unlabeled", True),
        ("Validation_matched", True),
        ("test", False),
        ("dev", False),
        ("valid", False),  # the rule is the substring `validation`
    ],
)
def test_is_sampled_split(split, sampled):
    assert is_sampled_split(split) is sampled


def test_json_safe():
    value = {
        "raw": b"\x00\xff",
        "day": datetime.date(2023, 2, 23),
        "at": datetime.datetime(2023, 2, 23, 12, 30),
        "amount": decimal.Decimal("1.50"),
        "pair": (1, (2, b"a")),
        3: "int key",
    }
    safe = json_safe(value)
    assert safe == {
        "raw": "AP8=",
        "day": "2023-02-23",
        "at": "2023-02-23 12:30:00",
        "amount": "1.50",
        "pair": [1, [2, "YQ=="]],
        "3": "int key",
    }
    json.dumps(safe)


def test_named_row():
    features = {"text": {"dtype": "string", "_type": "Value"}, "label": SENTIMENT}
    row = {"text": "fine", "label": 1, "extra": datetime.date(2020, 1, 1)}
    assert named_row(row, features) == {"text": "fine", "label": "pos", "extra": "2020-01-01"}
