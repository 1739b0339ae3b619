"""Sample rows (docs/method.md §1): which splits are sampled, ClassLabel names, JSON-safe values."""

import base64
import datetime
import decimal

from dynosaur_assets.method import SAMPLE_SPLIT_WORDS


def is_sampled_split(split: str) -> bool:
    """§1: only splits whose name contains `train` or `validation` are sampled."""
    return any(word in split.lower() for word in SAMPLE_SPLIT_WORDS)


def label_names(value: object, feature: dict | None) -> object:
    """Replace ClassLabel integers by their names, recursing through lists and structs.

    `feature` is one entry of `datasets.Features.to_dict()`; -1 (no label) becomes None.
    """
    if feature is None or value is None:
        return value
    kind = feature.get("_type")
    if kind == "ClassLabel":
        names = feature.get("names") or []
        if isinstance(value, int) and not isinstance(value, bool):
            return names[value] if 0 <= value < len(names) else None
        return value
    if kind in {"List", "Sequence", "LargeList"}:
        inner = feature.get("feature")
        if isinstance(value, list):
            return [label_names(item, inner) for item in value]
        if isinstance(value, dict) and isinstance(inner, dict):  # a Sequence of a struct holds a dict of lists
            return {key: label_names(item, {"_type": kind, "feature": inner.get(key)}) for key, item in value.items()}
        return value
    if kind is None and isinstance(value, dict):
        return {key: label_names(item, feature.get(key)) for key, item in value.items()}
    return value


def named_row(row: dict, features: dict) -> dict:
    """A sample row with every ClassLabel integer replaced by its name and values made JSON-safe."""
    return {key: json_safe(label_names(value, features.get(key))) for key, value in row.items()}


def json_safe(value: object) -> object:
    """Turn values that JSON cannot hold (bytes, dates, decimals, tuples) into strings or lists."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, decimal.Decimal)):
        return str(value)
    return value
