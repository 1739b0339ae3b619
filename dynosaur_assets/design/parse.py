"""Reading an LLM designer's reply into tasks (docs/method.md §2-§3 rule 1), without ever raising.

A reply may be a JSON object, JSON inside prose or Markdown fences, a Python dict literal (the
original's format, read with `ast.literal_eval`, never `eval`), or, when it holds no dict or list at
all, task lines `inputs -> output: instruction` (prompts version 3 showed tasks that way; their replies
stay in `llm_calls` and are parsed again when a partition is re-materialized). The result keeps the raw text, the
tasks, the problems noticed per task, and on failure one reason: `truncated` (finish_reason was
`length`), `empty_response`, `no_dict_found`, `not_a_task_dict` or `no_tasks`.
"""

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from dynosaur_assets.method import MAX_TASKS_PER_PROMPT
from dynosaur_assets.tasks import TaskDesign

PARSE_ERRORS = ("truncated", "empty_response", "no_dict_found", "not_a_task_dict", "no_tasks")
_TASK_KEYS = {"instruction", "input_fields", "output_field"}
_FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_TASK_LINE = re.compile(r"^[\s*-]*(?:task\s*\d+\s*[:.)]|\d+[.)])?\s*(?P<inputs>[^\n:>]+?)\s*->\s*"
                        r"(?P<output>[^\n:]+?)\s*:\s*(?P<instruction>\S[^\n]*)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class TaskProblem:
    """Something noticed in one task entry; `position` is its 1-based place in the reply."""

    position: int
    key: str
    problem: str


@dataclass(frozen=True)
class ParsedResponse:
    """The tasks read from one reply, the problems per task, or why nothing could be read."""

    raw_text: str
    tasks: list[TaskDesign] = field(default_factory=list)
    problems: list[TaskProblem] = field(default_factory=list)
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_response(text: str | None, finish_reason: str | None = None) -> ParsedResponse:
    """§3 rule 1: parse a reply; a reply cut off by the token limit is `truncated` whatever it holds."""
    raw = text or ""
    if finish_reason == "length":
        return ParsedResponse(raw, error="truncated", detail="finish_reason was 'length'")
    if not raw.strip():
        return ParsedResponse(raw, error="empty_response")
    first = None
    for value in candidate_values(raw):
        entries = _task_entries(value)
        if entries:
            return _read_entries(raw, entries)
        first = value if first is None and isinstance(value, (dict, list)) else first
    if first is None:
        lines = _task_lines(raw)
        if lines:
            return _read_entries(raw, lines)
        return ParsedResponse(raw, error="no_dict_found", detail="no JSON object or Python dict in the reply")
    return ParsedResponse(raw, error="not_a_task_dict", detail=f"found {_preview(first)}")


def candidate_values(text: str) -> Iterator[object]:
    """Values parsed from the reply, most likely first: fenced blocks, the whole text, each `{...}`/`[...]`."""
    pieces = [match.group(1) for match in _FENCE.finditer(text)] + [text]
    for piece in pieces:
        yield from _literals(piece.strip())
    for span in _bracket_spans(text):
        yield from _literals(span)


def _literals(text: str) -> Iterator[object]:
    try:
        yield json.loads(text)
        return
    except ValueError:
        pass
    try:
        yield ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return


def _bracket_spans(text: str) -> Iterator[str]:
    """Every balanced `{...}` or `[...]` span, by start position, skipping brackets inside quotes."""
    for start, char in enumerate(text):
        if char in "{[":
            end = _span_end(text, start)
            if end is not None:
                yield text[start:end]


def _span_end(text: str, start: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            escaped, quote = (False, quote) if escaped else (char == "\\", "" if char == quote else quote)
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _task_entries(value: object) -> list[tuple[str, object]] | None:
    """The (key, entry) pairs of a task dict or list of tasks (one task alone counts as `task1`);
    None when no entry looks like a task."""
    if isinstance(value, dict) and _is_task(value):
        return [("task1", value)]
    if isinstance(value, dict):
        pairs = [(str(key), entry) for key, entry in value.items()]
    elif isinstance(value, list):
        pairs = [(f"task{number}", entry) for number, entry in enumerate(value, 1)]
    else:
        return None
    return pairs if any(_is_task(entry) for _, entry in pairs) else None


def _task_lines(text: str) -> list[tuple[str, dict]]:
    """Task lines `inputs -> output: instruction` (inputs comma-separated) as task entries."""
    return [
        (f"task{number}", {"instruction": match["instruction"],
                           "input_fields": [name.strip() for name in match["inputs"].split(",")],
                           "output_field": [name.strip() for name in match["output"].split(",")]})
        for number, match in enumerate(_TASK_LINE.finditer(text), 1)
    ]


def _is_task(entry: object) -> bool:
    return isinstance(entry, dict) and bool(_TASK_KEYS & set(entry))


def _read_entries(raw: str, entries: list[tuple[str, object]]) -> ParsedResponse:
    tasks: list[TaskDesign] = []
    problems: list[TaskProblem] = []
    for position, (key, entry) in enumerate(entries, 1):
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append(TaskProblem(position, key, f"not a task: {_preview(entry)}"))
            continue
        task, notes = _read_task(entry)
        problems += [TaskProblem(position, key, note) for note in notes]
        if task is not None:
            tasks.append(task)
    if len(tasks) > MAX_TASKS_PER_PROMPT:
        problems.append(TaskProblem(0, "", f"more than {MAX_TASKS_PER_PROMPT} tasks ({len(tasks)})"))
    if not tasks:
        return ParsedResponse(raw, [], problems, "no_tasks", "the task dict holds no usable task")
    return ParsedResponse(raw, tasks, problems)


def _read_task(entry: dict) -> tuple[TaskDesign | None, list[str]]:
    """One task entry as a TaskDesign (None without a usable instruction) and the problems noticed."""
    notes = [f"extra key {key!r}" for key in entry if key not in _TASK_KEYS]
    instruction = entry.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        return None, [*notes, "no instruction"]
    input_fields, input_notes = _field_list(entry.get("input_fields"), "input_fields")
    output_field, output_notes = _field_list(entry.get("output_field"), "output_field")
    if len(output_field) > 1:
        output_notes.append(f"output_field names {len(output_field)} fields")
    task = TaskDesign(instruction.strip(), input_fields, output_field)
    return task, notes + input_notes + output_notes


def _field_list(value: object, key: str) -> tuple[list[str], list[str]]:
    """A field list as given; a bare string becomes a one-item list, a missing value an empty list. A
    name that is not a string (a model may write `{"label": "out"}` or `3`) is kept as its JSON text, so
    the task is stored as proposed and rejected by the field rule (§3 rule 3) like any unknown name."""
    if value is None:
        return [], [f"{key} missing"]
    if isinstance(value, str):
        return [value], [f"{key} given as a string"]
    if isinstance(value, (list, tuple)):
        odd = [item for item in value if not isinstance(item, str)]
        names = [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str) for item in value]
        return names, [f"{key} has non-string names {odd!r}"[:200]] if odd else []
    return [], [f"{key} is a {type(value).__name__}"]


def _preview(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:200]
