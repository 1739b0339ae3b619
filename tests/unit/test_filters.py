"""The §1 drop rules, each reason with its exact value, and the order they are checked in."""

import pytest

from dynosaur_assets.hub.cards import DatasetCard
from dynosaur_assets.hub.filters import (
    card_drop_reason,
    fields_drop_reason,
    language_drop_reason,
    license_drop_reason,
    multilinguality,
)
from dynosaur_assets.hub.records import config_drop_reason
from dynosaur_assets.hub.sampling import ConfigSample


def make_card(license="mit", languages=("en",), multi=(), description="", card_error=""):
    return DatasetCard(
        license=license,
        languages=list(languages),
        multilinguality=list(multi),
        task_categories=[],
        task_ids=[],
        pretty_name="",
        description=description,
        supported_tasks="",
        data_fields="",
        website="",
        card_error=card_error,
    )


TWO_FIELDS = {"question": {}, "answer": {}}
GOOD_SAMPLE = ConfigSample("default", features=TWO_FIELDS, rows={"train": [{"question": "q", "answer": "a"}]})


def test_no_license():
    assert license_drop_reason(None) == "no_license"
    assert license_drop_reason("") == "no_license"
    assert card_drop_reason(make_card(license=None)) == "no_license"


@pytest.mark.parametrize(
    "license", ["other", "unknown", "cc-by-nc-nd-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "ofl", "CC-BY-ND-4.0"]
)
def test_disallowed_licenses(license):
    assert license_drop_reason(license) == "disallowed_license"


@pytest.mark.parametrize("license", ["mit", "apache-2.0", "cc-by-4.0", "cc-by-nc-4.0", "cc-by-sa-3.0"])
def test_allowed_licenses(license):
    assert license_drop_reason(license) is None


@pytest.mark.parametrize(
    ("languages", "multi", "description", "kind", "reason"),
    [
        (["en"], [], "", "english", None),
        (["code"], [], "", "english", None),
        ([], [], "", "unspecified", None),
        (["fr"], [], "", "non_english", "non_english"),
        (["fr"], ["translation"], "A translation corpus.", "non_english", "non_english"),  # one tag: not translation
        (["en", "de"], [], "Reviews in two languages.", "multilingual", "non_english"),
        (["en", "code"], [], "", "multilingual", "non_english"),  # more than one tag, even en + code
        (["en", "de"], ["translation"], "", "translation", "translation"),
        (["en", "de"], ["multilingual"], "Sentence pairs to translate.", "translation", "translation"),
        (["en", "ja"], [], "An English-Japanese bitext.", "translation", "translation"),
        (["en", "fr"], [], "A parallel corpus of news.", "translation", "translation"),
    ],
)
def test_languages(languages, multi, description, kind, reason):
    card = make_card(languages=languages, multi=multi, description=description)
    assert multilinguality(card) == kind
    assert language_drop_reason(card) == reason
    assert card_drop_reason(card) == reason


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (["image", "caption"], "media_field"),
        (["question", "audio_path"], "media_field"),
        (["Image_URL", "label"], "media_field"),  # case-insensitive, a substring of the name
        ([], "too_few_fields"),
        (["text"], "too_few_fields"),
        (["image"], "media_field"),  # media is checked before the field count
        (["text", "label"], None),
    ],
)
def test_fields(fields, reason):
    assert fields_drop_reason(fields) == reason


def test_card_precedence_unreadable_then_license_then_language():
    assert card_drop_reason(make_card(license=None, languages=["fr"], card_error="bad yaml")) == "unreadable_card"
    assert card_drop_reason(make_card(license=None, languages=["fr"])) == "no_license"
    assert card_drop_reason(make_card(license="other", languages=["fr"])) == "disallowed_license"
    assert card_drop_reason(make_card(languages=["fr"])) == "non_english"
    assert card_drop_reason(make_card()) is None


def test_config_precedence_card_then_fields_then_loading_then_rows():
    failed = ConfigSample("default", failure="timeout", error="slow")
    empty = ConfigSample("default", features=TWO_FIELDS, rows={"train": []})
    one_field = {"text": {}}
    assert config_drop_reason(make_card(languages=["fr"]), failed, one_field) == "non_english"
    assert config_drop_reason(make_card(), failed, one_field) == "too_few_fields"
    assert config_drop_reason(make_card(), failed, TWO_FIELDS) == "timeout"
    assert config_drop_reason(make_card(), empty, TWO_FIELDS) == "no_rows"
    assert config_drop_reason(make_card(), GOOD_SAMPLE, TWO_FIELDS) is None

