"""parse_card on hand-written dataset cards (docs/method.md §1: what is read from a card)."""

import pytest

from dynosaur_assets.hub.cards import parse_card

FULL_CARD = """\
---
license: Apache-2.0
language:
- en
multilinguality:
- monolingual
task_categories:
- text-classification
task_ids:
- sentiment-classification
pretty_name: Toy Reviews
configs:
- config_name: short
  data_files: short.csv
- config_name: long
  data_files: long.csv
dataset_info:
- config_name: short
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': neg
          '1': pos
- config_name: long
  features:
  - name: document
    dtype: string
  - name: stars
    dtype: int32
---

# Dataset Card for Toy Reviews

## Dataset Description

- **Homepage:** [https://toy.example.org/reviews](https://toy.example.org/reviews)
- **Paper:** https://papers.example.org/toy

### Dataset Summary

Short product reviews,
labelled by polarity.

### Supported Tasks and Leaderboards

- `sentiment-classification`

### Languages

English.

## Dataset Structure

### Data Fields

- `text`: the review.
- `label`: neg or pos.

## Additional Information
"""


def card(yaml: str, body: str = "# Card\n") -> str:
    return f"---\n{yaml}\n---\n{body}"


def test_full_card():
    parsed = parse_card(FULL_CARD)
    assert parsed.license == "apache-2.0"
    assert parsed.languages == ["en"]
    assert parsed.multilinguality == ["monolingual"]
    assert parsed.task_categories == ["text-classification"]
    assert parsed.task_ids == ["sentiment-classification"]
    assert parsed.pretty_name == "Toy Reviews"
    assert parsed.description == "Short product reviews,\nlabelled by polarity."
    assert parsed.supported_tasks == "- `sentiment-classification`"
    assert parsed.data_fields == "- `text`: the review.\n- `label`: neg or pos."
    assert parsed.website == "https://toy.example.org/reviews"
    assert parsed.configs == ["short", "long"]
    assert parsed.card_error == ""


def test_features_per_config_list_with_class_label_names():
    features = parse_card(FULL_CARD).features
    assert set(features) == {"short", "long"}
    assert features["short"]["label"] == {"names": ["neg", "pos"], "_type": "ClassLabel"}
    assert features["short"]["text"] == {"dtype": "string", "_type": "Value"}
    assert features["long"]["stars"] == {"dtype": "int32", "_type": "Value"}


def test_features_from_a_single_dataset_info_dict():
    text = card(
        "license: mit\ndataset_info:\n  features:\n  - name: q\n    dtype: string\n"
        "  - name: topic\n    dtype:\n      class_label:\n        names:\n          '0': a\n          '1': b\n"
    )
    assert parse_card(text).features == {
        "default": {
            "q": {"dtype": "string", "_type": "Value"},
            "topic": {"names": ["a", "b"], "_type": "ClassLabel"},
        }
    }


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("license: MIT", "mit"),
        ("license:\n- cc-by-4.0\n- mit", "cc-by-4.0"),  # several licences: the first one
        ("license: []", None),
        ("pretty_name: No licence here", None),
    ],
)
def test_license(yaml, expected):
    assert parse_card(card(yaml)).license == expected


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("language: EN", ["en"]),
        ("language:\n- en\n- de", ["en", "de"]),
        ("languages:\n- fr", ["fr"]),  # 2022 cards used `languages`
        ("license: mit", []),
    ],
)
def test_languages(yaml, expected):
    assert parse_card(card(yaml)).languages == expected


def test_task_categories_as_a_single_string():
    assert parse_card(card("task_categories: summarization")).task_categories == ["summarization"]


def test_missing_sections_and_fields_are_empty():
    parsed = parse_card(card("license: mit", "# Card\n\n## Dataset Structure\n\nNothing.\n"))
    assert (parsed.description, parsed.supported_tasks, parsed.data_fields) == ("", "", "")
    assert (parsed.pretty_name, parsed.website) == ("", "")
    assert (parsed.configs, parsed.features, parsed.task_categories) == ([], {}, [])


def test_placeholder_summary_is_empty():
    body = "### Dataset Summary\n\n[More Information Needed]\n\n### Data Fields\n\n[More Information Needed]\n"
    parsed = parse_card(card("license: mit", body))
    assert parsed.description == ""
    assert parsed.data_fields == ""


def test_summary_stops_at_a_heading_of_the_same_or_higher_level_only():
    body = "### Dataset Summary\n\nIntro.\n\n#### Details\n\nMore.\n\n## Structure\n\nNot this.\n"
    assert parse_card(card("license: mit", body)).description == "Intro.\n\n#### Details\n\nMore."


def test_homepage_as_plain_url_and_as_titled_link():
    plain = parse_card(card("license: mit", "- **Homepage:** https://a.example.org/x\n"))
    titled = parse_card(card("license: mit", "- **Homepage:** [Project page](https://b.example.org/y)\n"))
    assert plain.website == "https://a.example.org/x"
    assert titled.website == "https://b.example.org/y"


def test_configs_default_name_when_config_name_is_missing():
    text = card("configs:\n- data_files: all.csv\n- config_name: extra\n  data_files: extra.csv")
    assert parse_card(text).configs == ["default", "extra"]


@pytest.mark.parametrize(
    "yaml",
    [
        "license: [unclosed",  # YAML syntax error
        "license: mit\n\tlanguage: en",  # a tab YAML cannot read
        "- a list\n- not a mapping",  # metadata must be a dict
        "1: integer key",  # keys must be strings
    ],
)
def test_unreadable_yaml_sets_card_error_and_keeps_the_body(yaml):
    parsed = parse_card(card(yaml, "# Card\n\n### Dataset Summary\n\nStill readable.\n"))
    assert parsed.card_error != ""
    assert parsed.license is None and parsed.languages == [] and parsed.configs == []
    assert parsed.description == "Still readable."


def test_card_without_front_matter_and_empty_card():
    parsed = parse_card("# Just markdown\n\n### Dataset Summary\n\nHello.\n")
    assert (parsed.license, parsed.description, parsed.card_error) == (None, "Hello.", "")
    assert parse_card("").description == ""
