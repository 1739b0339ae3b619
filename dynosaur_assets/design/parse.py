"""Reading an LLM designer's reply into tasks (docs/method.md §2-§3 rule 1), without ever raising.

A reply may be a JSON object, JSON inside prose or Markdown fences, a Python dict literal (the
original's format, read with `ast.literal_eval`, never `eval`), or, when it holds no dict or list at
all, task lines `inputs -> output: instruction` (prompts version 3 showed tasks that way; their replies
stay in `llm_calls` and are parsed again when a partition is re-materialized). The result keeps the raw text, the
tasks, the problems noticed per task, and on failure one reason: `truncated` (finish_reason was
`length`), `unreadable_body` (the server's answer was no chat completion: llm_client.py stores its body),
`empty_response`, `nested_too_deep` (brackets nested more than `MAX_NESTING` levels: no reply of tasks
is, and Python's parsers would recurse past their limit), `no_dict_found`, `not_a_task_dict` or
`no_tasks`. Hostile replies stay bounded: bracket spans are scanned for at most `MAX_SCAN_CHARS`, an
instruction longer than `MAX_INSTRUCTION_CHARS` is no task, and characters the store cannot keep (lone
surrogates, which JSON's `\\udcff` escapes produce, and NUL) are kept backslash-escaped.
"""

import ast
import json
import re
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from dynosaur_assets.method import MAX_INSTRUCTION_CHARS, MAX_TASKS_PER_PROMPT
from dynosaur_assets.tasks import TaskDesign

PARSE_ERRORS = ("truncated", "unreadable_body", "empty_response", "nested_too_deep", "no_dict_found",
                "not_a_task_dict", "no_tasks")
UNREADABLE_BODY = "unreadable_body"  # llm_calls.finish_reason of a 200 whose body is no chat completion
MAX_NESTING = 100
MAX_SCAN_CHARS = 1_000_000  # characters all bracket-span scans of one reply read together
_BRACKETS = re.compile(r"[\[\]{}]")
_PREVIEW = reprlib.Repr()  # bounded: depth 4, 10 items, 160 characters a string (3.11 has no keywords)
_PREVIEW.maxlevel, _PREVIEW.maxlist, _PREVIEW.maxdict, _PREVIEW.maxstring, _PREVIEW.maxother = 4, 10, 10, 160, 160
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
    raw = clean_text(text or "")
    if finish_reason == "length":
        return ParsedResponse(raw, error="truncated", detail="finish_reason was 'length'")
    if finish_reason == UNREADABLE_BODY:
        return ParsedResponse(raw, error=UNREADABLE_BODY, detail="the server's answer was no chat completion")
    if not raw.strip():
        return ParsedResponse(raw, error="empty_response")
    depth = nesting_depth(raw)
    if depth > MAX_NESTING:
        return ParsedResponse(raw, error="nested_too_deep", detail=f"brackets nested {depth} deep (at most "
                              f"{MAX_NESTING} are read)")
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


def clean_text(text: str) -> str:
    """`text` as the store can keep it: lone surrogates (from JSON escapes such as `\\udcff`; DuckDB
    cannot store them) and NUL characters (DuckLake's SQLite catalog cuts its inlined rows' SQL at a NUL,
    failing the commit) become backslash escapes; any other text is returned unchanged."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def nesting_depth(text: str) -> int:
    """How deep brackets nest in `text`, quotes ignored (an upper bound of any value's depth in it)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


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
    except (ValueError, RecursionError):
        pass
    try:
        yield ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return


def _bracket_spans(text: str) -> Iterator[str]:
    """Every balanced `{...}` or `[...]` span, by start position, skipping brackets inside quotes, until
    the scans have read `MAX_SCAN_CHARS` (a scan from an unclosed bracket reads to the end of the text)."""
    budget = MAX_SCAN_CHARS
    for start, char in enumerate(text):
        if char in "{[" and budget > 0:
            end = _span_end(text, start, start + budget)
            budget -= (end or len(text)) - start
            if end is not None:
                yield text[start:end]


def _span_end(text: str, start: int, stop: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for index in range(start, min(stop, len(text))):
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
    if len(instruction.strip()) > MAX_INSTRUCTION_CHARS:
        return None, [*notes, f"instruction of {len(instruction.strip())} characters (at most {MAX_INSTRUCTION_CHARS})"]
    input_fields, input_notes = _field_list(entry.get("input_fields"), "input_fields")
    output_field, output_notes = _field_list(entry.get("output_field"), "output_field")
    if len(output_field) > 1:
        output_notes.append(f"output_field names {len(output_field)} fields")
    task = TaskDesign(clean_text(instruction.strip()), input_fields, output_field)
    return task, notes + input_notes + output_notes


def _field_list(value: object, key: str) -> tuple[list[str], list[str]]:
    """A field list as given; a bare string becomes a one-item list, a missing value an empty list. A
    name that is not a string (a model may write `{"label": "out"}` or `3`) is kept as its JSON text, so
    the task is stored as proposed and rejected by the field rule (§3 rule 3) like any unknown name."""
    if value is None:
        return [], [f"{key} missing"]
    if isinstance(value, str):
        return [clean_text(value)], [f"{key} given as a string"]
    if isinstance(value, (list, tuple)):
        odd = [item for item in value if not isinstance(item, str)]
        names = [clean_text(item if isinstance(item, str) else _json_text(item)) for item in value]
        return names, [f"{key} has non-string names {_PREVIEW.repr(odd)}"[:200]] if odd else []
    return [], [f"{key} is a {type(value).__name__}"]


def _json_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return _PREVIEW.repr(value)


def _preview(value: object) -> str:
    return clean_text(f"{type(value).__name__} {_PREVIEW.repr(value)}")[:200]
