"""The drop rules of docs/method.md §1, as plain functions returning a reason or None."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dynosaur_assets.method import (
    DISALLOWED_LICENSES,
    ENGLISH_LANGUAGE_TAGS,
    MEDIA_FIELD_WORDS,
    TRANSLATION_WORDS,
)

if TYPE_CHECKING:
    from dynosaur_assets.hub.cards import DatasetCard

DROP_REASONS = (
    "unreadable_card",
    "no_license",
    "disallowed_license",
    "non_english",
    "translation",
    "media_field",
    "too_few_fields",
    "load_error",
    "timeout",
    "no_rows",
)


def license_drop_reason(license: str | None) -> str | None:
    """§1: no licence, or one of the disallowed licences."""
    if not license:
        return "no_license"
    if license.lower() in DISALLOWED_LICENSES:
        return "disallowed_license"
    return None


def multilinguality(card: DatasetCard) -> str:
    """Classify the card's languages: english, non_english, multilingual, translation or unspecified.

    §1: English means exactly one tag, `en` or `code`; a card with several tags whose multilinguality
    tag or summary mentions translation / bitext is a translation card. A card with no language tag
    is `unspecified` and kept (the method names no rule for it).
    """
    tags = card.languages
    if not tags:
        return "unspecified"
    if len(tags) == 1:
        return "english" if tags[0] in ENGLISH_LANGUAGE_TAGS else "non_english"
    text = " ".join([*card.multilinguality, card.description]).lower()
    return "translation" if any(word in text for word in TRANSLATION_WORDS) else "multilingual"


def language_drop_reason(card: DatasetCard) -> str | None:
    """§1: drop cards that are not English; translation cards get their own reason."""
    kind = multilinguality(card)
    if kind == "translation":
        return "translation"
    if kind in {"non_english", "multilingual"}:
        return "non_english"
    return None


def card_drop_reason(card: DatasetCard) -> str | None:
    """The first dataset-level reason to drop every config of this card, or None."""
    if card.card_error:
        return "unreadable_card"
    return license_drop_reason(card.license) or language_drop_reason(card)


def has_media_field(field_names: Iterable[str]) -> bool:
    """§1: whether any field name contains `image` or `audio` (any case)."""
    return any(word in name.lower() for name in field_names for word in MEDIA_FIELD_WORDS)


def fields_drop_reason(field_names: list[str]) -> str | None:
    """§1: any field named like an image or audio column, or one field or fewer."""
    if has_media_field(field_names):
        return "media_field"
    if len(field_names) <= 1:
        return "too_few_fields"
    return None
