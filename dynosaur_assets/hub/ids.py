"""Which Hub dataset ids can be partition keys."""

import re

_HUB_ID = re.compile(r"^(?:[\w.-]+/)?[\w.-]+$")
_MAX_ID_CHARS = 96 * 2 + 1
_DAGSTER_FORBIDDEN = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def invalid_dataset_id_reason(dataset_id: str) -> str | None:
    """Why this id cannot be a partition key (None when it can): not a Hub id, too long, or holding
    a substring Dagster rejects in partition keys."""
    if any(bad in dataset_id for bad in _DAGSTER_FORBIDDEN):
        return "contains a character sequence Dagster forbids in partition keys"
    if len(dataset_id) > _MAX_ID_CHARS:
        return f"longer than {_MAX_ID_CHARS} characters"
    if not _HUB_ID.match(dataset_id) or dataset_id.startswith(("-", ".")) or "--" in dataset_id or ".." in dataset_id:
        return "not a Hub dataset id ([owner/]name of letters, digits, '-', '_', '.')"
    return None
