"""Which listed dataset ids are new (docs/method.md §5: only new datasets are processed)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from dynosaur_assets.hub.ids import invalid_dataset_id_reason


@dataclass
class NewDatasets:
    """The outcome of one pass over a Hub listing."""

    new: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)
    head: str | None = None  # the first listed id (the newest on the real Hub)
    exhausted: bool = True  # False when the batch filled before the listing ended


def find_new_datasets(
    listing: Iterable[str], known: set[str], batch_size: int, stop_at: str | None = None
) -> NewDatasets:
    """Walk a listing until `stop_at` (the newest id of the last complete pass) or its end, keeping at
    most `batch_size` unseen valid ids; ids that cannot be partition keys are reported, not raised."""
    found = NewDatasets()
    for dataset_id in listing:
        found.head = found.head or dataset_id
        if dataset_id == stop_at:
            break
        if dataset_id in known or dataset_id in found.invalid:
            continue
        reason = invalid_dataset_id_reason(dataset_id)
        if reason:
            found.invalid[dataset_id] = reason
            continue
        if len(found.new) == batch_size:
            found.exhausted = False
            break
        found.new.append(dataset_id)
    return found

