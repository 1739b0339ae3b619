"""Which Hub dataset ids can be partition keys."""

import re

# ASCII only, as the Hub allows: `\w` would also take homoglyphs (a Cyrillic "о" in "prоduct") and mixed scripts.
_HUB_ID = re.compile(r"(?:\w[\w.-]*/)?\w[\w.-]*", re.ASCII)  # no part starts with "-" or "."
_MAX_ID_CHARS = 96 * 2 + 1
_DAGSTER_FORBIDDEN = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def invalid_dataset_id_reason(dataset_id: str) -> str | None:
    """Why this id cannot be a partition key (None when it can): not a Hub id (ASCII only: no path
    separators beyond one '/', no '..', quotes, spaces or other scripts), too long, or holding a substring
    Dagster rejects in partition keys. Only ids that pass become partitions, paths or requests."""
    if any(bad in dataset_id for bad in _DAGSTER_FORBIDDEN):
        return "contains a character sequence Dagster forbids in partition keys"
    if len(dataset_id) > _MAX_ID_CHARS:
        return f"longer than {_MAX_ID_CHARS} characters"
    if not _HUB_ID.fullmatch(dataset_id) or "--" in dataset_id or ".." in dataset_id:
        return "not a Hub dataset id ([owner/]name of ASCII letters, digits, '-', '_', '.')"
    return None
