"""The Hub's listing as the method sees it: each listed dataset is a candidate, or is left out with the
§1 reason its card metadata already gives (docs/method.md §1), before any partition exists."""

import datetime
from dataclasses import dataclass, field

from dynosaur_assets.hub.cards import DatasetCard, listing_card
from dynosaur_assets.hub.filters import card_drop_reason
from dynosaur_assets.hub.ids import invalid_dataset_id_reason

# What the listing asks the Hub for, besides ids (`list_datasets(expand=...)`).
LISTING_FIELDS = ["cardData", "createdAt", "lastModified", "sha", "downloads", "likes"]
# DYNOSAUR_HUB_ORDER: which candidates become partitions first, as `hub_listing` columns.
HUB_ORDERS = {"created": "created_at", "downloads": "downloads", "likes": "likes"}
# A pass stops at datasets last modified this long before the newest one the previous pass saw.
LISTING_OVERLAP = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class ListedDataset:
    """One dataset as the listing gives it: dates, commit, popularity and the card's YAML metadata."""

    dataset_id: str
    created_at: datetime.datetime | None = None
    last_modified: datetime.datetime | None = None
    sha: str | None = None
    downloads: int = 0
    likes: int = 0
    card_data: dict = field(default_factory=dict)
    card_error: str = ""


def listing_drop_reason(item: ListedDataset, card: DatasetCard | None = None) -> str | None:
    """Why a listed dataset is not a candidate: `invalid_id` (it cannot be a partition key),
    `unsafe_data_files` (its configs would read outside the repository), or the first §1 card rule its
    metadata fails (licence, language); None for a candidate. A card without metadata has no licence; the
    language rule sees the tags only (the summary is not listed), so a translation card may be told
    `non_english` here: it is dropped either way."""
    if invalid_dataset_id_reason(item.dataset_id):
        return "invalid_id"
    card = card or listing_card(item.card_data, item.card_error)
    if card.unsafe_data_files:
        return "unsafe_data_files"
    return card_drop_reason(card)


def listing_record(item: ListedDataset, listed_at: datetime.datetime) -> dict:
    """The `hub_listing` row of one listed dataset."""
    card = listing_card(item.card_data, item.card_error)
    reason = listing_drop_reason(item, card)
    return {
        "dataset_id": item.dataset_id,
        "created_at": _naive_utc(item.created_at),
        "last_modified": _naive_utc(item.last_modified),
        "sha": item.sha,
        "downloads": item.downloads,
        "likes": item.likes,
        "license": card.license,
        "languages": card.languages,
        "task_categories": card.task_categories,
        "candidate": reason is None,
        "reason": reason,
        "listed_at": listed_at,
    }


def listed_from_json(info: dict) -> ListedDataset:
    """One item of the Hub's `/api/datasets` listing asked for LISTING_FIELDS."""
    card = info.get("cardData")
    return ListedDataset(
        info["id"], created_at=_hub_time(info.get("createdAt")), last_modified=_hub_time(info.get("lastModified")),
        sha=info.get("sha"), downloads=info.get("downloads") or 0, likes=info.get("likes") or 0,
        card_data=card if isinstance(card, dict) else {})


def order_column(order: str) -> str:
    """The `hub_listing` column DYNOSAUR_HUB_ORDER names (ValueError names the choices)."""
    if order not in HUB_ORDERS:
        raise ValueError(f"DYNOSAUR_HUB_ORDER must be one of {', '.join(HUB_ORDERS)}, got {order!r}")
    return HUB_ORDERS[order]


def is_older_than_watermark(item: ListedDataset, watermark: datetime.datetime | None) -> bool:
    """Whether a pass listing newest-modified first has reached what the previous pass saw: the item was
    last modified more than LISTING_OVERLAP before `watermark` (the newest modification stored then)."""
    modified = _naive_utc(item.last_modified)
    return watermark is not None and modified is not None and modified < watermark - LISTING_OVERLAP


def _hub_time(text: str | None) -> datetime.datetime | None:
    """The Hub's `2024-05-01T12:00:00.000Z` as an aware datetime (None when absent or malformed)."""
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _naive_utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Timestamps are stored as naive UTC, like every TIMESTAMP of the store."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)
