"""What an export keeps: its name and filters, validated once, with a stable hash (two exports of one
snapshot with the same hash hold the same rows)."""

import hashlib
import json
import re
from dataclasses import dataclass, field

# Licences that allow commercial use of the data and of works derived from it: public-domain
# dedications, permissive licences, and attribution / share-alike licences (their conditions travel
# with each instance's `license`). Left out: non-commercial (`-nc`), no-derivatives (`-nd`: an
# instruction corpus is a derivative), use-restricted (OpenRAIL), copyleft software licences (GPL
# family: written for code, unclear for data), and `other` / `unknown`.
COMMERCIAL_LICENSES = frozenset({
    "cc0-1.0", "pddl", "unlicense",
    "mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "isc", "bsl-1.0", "zlib",
    "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "odc-by", "cdla-permissive-1.0", "cdla-permissive-2.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "odbl", "cdla-sharing-1.0",
})
LICENSE_PRESETS = {"commercial": COMMERCIAL_LICENSES}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RESERVED_NAMES = frozenset({"latest"})
REVIEWED_CHOICES = ("skip_rejected", "all")  # tasks whose final verdict is wrong_*: left out, or kept


class ExportOptionsError(ValueError):
    """An export option that cannot work; the message names it."""


@dataclass(frozen=True)
class ExportOptions:
    """An export's name and filters. Empty licence / category / designer sets keep everything; a
    licence entry may be a preset name (`commercial`). `max_per_task` 0 keeps every instance;
    otherwise a task keeps its first n by instance_idx. `task_ids` (dataset_id, task_id) pairs, when
    given, keep only those tasks (the place for a replay selection's stage + replay). `reviewed`
    `skip_rejected` leaves out tasks whose final verdict (task_verdicts) is a rejection; `all` keeps them."""

    name: str = "dynosaur"
    licenses: frozenset[str] = frozenset()
    task_categories: frozenset[str] = frozenset()
    designers: frozenset[str] = frozenset()
    min_per_task: int = 1
    max_per_task: int = 0
    task_ids: frozenset[tuple[str, str]] | None = field(default=None)
    reviewed: str = "skip_rejected"

    def __post_init__(self) -> None:
        if self.reviewed not in REVIEWED_CHOICES:
            raise ExportOptionsError(f"reviewed (DYNOSAUR_EXPORT_REVIEWED) must be one of "
                                     f"{', '.join(REVIEWED_CHOICES)}, got {self.reviewed!r}")
        if not _NAME.fullmatch(self.name) or self.name in RESERVED_NAMES:
            raise ExportOptionsError(f"export name {self.name!r}: use letters, digits, '.', '_' or '-' "
                                     f"(starting with a letter or digit), not {sorted(RESERVED_NAMES)}")
        if self.min_per_task < 0 or self.max_per_task < 0:
            raise ExportOptionsError(f"instances per task: min {self.min_per_task} and max {self.max_per_task} "
                                     "must be 0 or more")
        if self.max_per_task and self.min_per_task > self.max_per_task:
            raise ExportOptionsError(f"min instances per task ({self.min_per_task}) is above the max "
                                     f"({self.max_per_task}): no task could be exported")

    @classmethod
    def build(cls, name: str, licenses: list[str] = (), task_categories: list[str] = (), designers: list[str] = (),
              min_per_task: int = 1, max_per_task: int = 0, reviewed: str = "skip_rejected") -> "ExportOptions":
        """Options from run config lists: blanks dropped, licences lower-cased with presets expanded."""
        return cls(name.strip(), expand_licenses(licenses), _clean(task_categories), _clean(designers),
                   min_per_task, max_per_task, reviewed=reviewed.strip())

    def describe(self) -> dict:
        """The filters as plain JSON values (for the card, the manifest and the hash); presets expanded."""
        return {
            "licenses": sorted(self.licenses) or "all",
            "task_categories": sorted(self.task_categories) or "all",
            "designers": sorted(self.designers) or "all",
            "min_instances_per_task": self.min_per_task,
            "max_instances_per_task": self.max_per_task or "no limit",
            "tasks": f"{len(self.task_ids)} chosen" if self.task_ids is not None else "all",
            "reviewed": self.reviewed,
        }

    def digest(self) -> str:
        """A short hash of the filters (not the name): equal for exports that keep the same rows."""
        chosen = sorted(map(list, self.task_ids)) if self.task_ids is not None else None
        text = json.dumps([self.describe(), chosen], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def expand_licenses(values: list[str]) -> frozenset[str]:
    """Licence ids lower-cased, each preset name replaced by its licences."""
    expanded: set[str] = set()
    for value in _clean(values):
        expanded |= LICENSE_PRESETS.get(value.lower(), {value.lower()})
    return frozenset(expanded)


def split_list(text: str) -> list[str]:
    """A comma-separated environment value as a list (empty: [])."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _clean(values: list[str]) -> frozenset[str]:
    return frozenset(v.strip() for v in values if v and v.strip())
