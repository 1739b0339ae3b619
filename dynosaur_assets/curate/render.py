"""Instances from a kept task and its sample rows (docs/method.md §4 "Instance per sample row").

The text is byte-for-byte what the original code produced, so instances compare with the published
ones: several input fields are concatenated as `<field> is '<value>'. ` pieces (the trailing space is
kept), a list of strings is `'x', 'y'. `, and a list in a field whose name contains `choice` is
` A. 'x', B. 'y'.` (with the original's leading space and no trailing space). A list is rendered
without its field name, as in the original.
"""

from typing import NamedTuple

from dynosaur_assets.method import CHOICE_FIELD_WORD, INSTANCE_MAX_CHARS
from dynosaur_assets.tasks import TaskDesign, TaskSource

SCALAR_TYPES = (str, int, float, bool)


class TaskInstances(NamedTuple):
    """The instances of one task and the number of sample rows skipped, by reason."""

    instances: list[dict]
    skipped: dict[str, int]


class RenderedRow(NamedTuple):
    """One sample row rendered once: its input and output texts, or why it gives no instance."""

    input: str
    output: str
    skip_reason: str | None = None


SKIP_REASONS = ("missing_field", "non_scalar_output", "null_input", "nested_input", "bad_list_input",
                "empty_input")
_SKIPPED = {reason: RenderedRow("", "", reason) for reason in SKIP_REASONS}


def render_output(value: object) -> str | None:
    """§4: the output as a stripped string cut at 2,000 characters; None when it is not a scalar
    (a list, a dict or a null), which stops the task's instances."""
    if not isinstance(value, SCALAR_TYPES):
        return None
    return str(value).strip()[:INSTANCE_MAX_CHARS]


def render_list(name: str, values: list[str]) -> str:
    """§4: a list of strings, lettered when the field name contains `choice`."""
    if CHOICE_FIELD_WORD in name:
        lettered = "".join(f" {chr(ord('A') + i)}. '{value}'," for i, value in enumerate(values))
        return lettered[:-1] + "."
    return "'" + "', '".join(values) + "'. "


def render_row(row: dict, input_fields: list[str], output_name: str) -> RenderedRow:
    """§4 for one sample row, each value rendered once: skipped as `missing_field` without the output
    field, as `non_scalar_output` when the output is not a scalar, else for the input's reason."""
    if output_name not in row:
        return _SKIPPED["missing_field"]
    output = render_output(row[output_name])
    if output is None:
        return _SKIPPED["non_scalar_output"]
    text, reason = _render_input(row, input_fields)
    return _SKIPPED[reason] if reason else RenderedRow(text, output)


def render_task_instances(task: TaskDesign, source: TaskSource) -> TaskInstances:
    """§4 over all sample rows: skipped rows are counted by reason; the first non-scalar output stops
    the task (its row and every later row count as `non_scalar_output`). Only `output_field[0]` is
    used (§7). A task whose list of instances comes back empty is dropped by the caller."""
    instances: list[dict] = []
    skipped: dict[str, int] = {}
    for position, row in enumerate(source.rows):
        rendered = render_row(row, task.input_fields, task.output_field[0])
        reason = rendered.skip_reason
        if reason == "non_scalar_output":
            skipped[reason] = len(source.rows) - position
            break
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            instances.append(_instance(task, rendered, source))
    return TaskInstances(instances, skipped)


def _instance(task: TaskDesign, rendered: RenderedRow, source: TaskSource) -> dict:
    return {
        "instruction": task.instruction,
        "input": rendered.input,
        "output": rendered.output,
        "license": source.license,
        "website": source.website,
        "taskname": source.task_name,
    }


def _render_input(row: dict, input_fields: list[str]) -> tuple[str, str | None]:
    """§4: the single field's stripped value or the fields' pieces concatenated, cut at 2,000 characters,
    and None; or an empty text and why the row gives no input (a missing field, a null, a dict, a list
    that is empty or holds non-strings or nulls, or an empty text)."""
    for name in input_fields:
        reason = _value_skip_reason(row, name)
        if reason:
            return "", reason
    text = _joined_input(row, input_fields)
    return (text[:INSTANCE_MAX_CHARS], None) if text else ("", "empty_input")


def _value_skip_reason(row: dict, name: str) -> str | None:
    if name not in row:
        return "missing_field"
    value = row[name]
    if value is None:
        return "null_input"
    if isinstance(value, dict):
        return "nested_input"
    if isinstance(value, list):
        return None if value and all(isinstance(item, str) for item in value) else "bad_list_input"
    return None if isinstance(value, SCALAR_TYPES) else "nested_input"


def _joined_input(row: dict, input_fields: list[str]) -> str:
    if len(input_fields) == 1 and isinstance(row[input_fields[0]], SCALAR_TYPES):
        return str(row[input_fields[0]]).strip()
    return "".join(_input_piece(name, row[name]) for name in input_fields)


def _input_piece(name: str, value: object) -> str:
    if isinstance(value, list):
        return render_list(name, value)
    return f"{name} is '{str(value).strip()}'. "
