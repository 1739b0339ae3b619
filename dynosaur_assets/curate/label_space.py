"""The label-space check of a task's output field (docs/method.md §4 "Label space")."""

from collections import Counter
from dataclasses import dataclass

from dynosaur_assets.curate.render import SCALAR_TYPES
from dynosaur_assets.method import (
    BINARY_MAX_MAJORITY,
    LABEL_SPACE_MAX_VALUE_CHARS,
    LABEL_SPACE_MAX_VALUES,
    LABEL_SPACE_ROWS,
    LABEL_SPACE_SUFFIX,
    MULTI_MAX_MAJORITY,
)
from dynosaur_assets.tasks import TaskDesign

LABEL_SPACE_RULES = ("non_scalar_output", "no_output_values", "constant_output", "imbalanced_labels")


@dataclass(frozen=True)
class LabelSpace:
    """The verdict on one task: kept or dropped by `rule`, its final instruction and its label values.

    `labels` holds the distinct output values when there are at most 10 of them, else it is empty.
    """

    kept: bool
    rule: str
    instruction: str
    labels: tuple[str, ...] = ()
    detail: str = ""


def output_values(task: TaskDesign, rows: list[dict]) -> list[object]:
    """§4: the output field's values in the first 100 sample rows (a missing key reads as null).
    Only `output_field[0]` is used (§7)."""
    return [row.get(task.output_field[0]) for row in rows[:LABEL_SPACE_ROWS]]


def check_label_space(task: TaskDesign, rows: list[dict]) -> LabelSpace:
    """§4: drop a task whose output is non-scalar (a list, dict or null, as in the original), empty,
    constant or too imbalanced; otherwise keep it, adding the label-space suffix when it has at most
    10 distinct values of at most 15 characters each."""
    values = output_values(task, rows)
    if any(not isinstance(value, SCALAR_TYPES) for value in values):
        return LabelSpace(False, "non_scalar_output", task.instruction, detail="a list, dict or null output")
    counts = Counter(str(value).strip() for value in values)
    if len(counts) > LABEL_SPACE_MAX_VALUES:
        return LabelSpace(True, "", task.instruction, detail=f"{len(counts)} distinct values")
    labels = tuple(counts)
    rule = _label_rule(counts, len(values))
    if rule:
        return LabelSpace(False, rule, task.instruction, labels, _majority_detail(counts, len(values)))
    if all(len(label) <= LABEL_SPACE_MAX_VALUE_CHARS for label in labels):
        return LabelSpace(True, "", with_label_space(task.instruction, labels), labels)
    return LabelSpace(True, "", task.instruction, labels, "a value longer than 15 characters: no suffix")


def is_balanced(counts: Counter, total: int) -> bool:
    """§4: two values pass when the most frequent holds at most 70 of 100 rows, more than two values
    at most 50 of 100; both limits are scaled to the number of rows actually seen."""
    limit = BINARY_MAX_MAJORITY if len(counts) == 2 else MULTI_MAX_MAJORITY
    return max(counts.values()) * LABEL_SPACE_ROWS <= limit * total


def with_label_space(instruction: str, labels: tuple[str, ...]) -> str:
    """§4: append ` Answers must be one of v1, v2.` to the instruction.

    Values are listed in order of first appearance in the sample rows, which is deterministic. The
    original joined a Python set, so its published order is arbitrary (e.g. `A, C, B, D`).
    """
    return instruction.rstrip() + LABEL_SPACE_SUFFIX.format(labels=", ".join(labels))


def _label_rule(counts: Counter, total: int) -> str:
    if not counts:
        return "no_output_values"
    if len(counts) == 1:
        return "constant_output"
    return "" if is_balanced(counts, total) else "imbalanced_labels"


def _majority_detail(counts: Counter, total: int) -> str:
    if not counts:
        return "no sample rows"
    label, count = counts.most_common(1)[0]
    return f"{label!r} in {count} of {total} rows"
