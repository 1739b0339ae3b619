"""Validity rules beyond the paper's five (docs/method.md §3.7), judged from a task's rendered sample rows.

The `strict` rule set (`DYNOSAUR_RULES=strict`, the default) applies them to every task that passed
§3-§4 under the paper's rules, so a task they reject was valid under `paper`; the first rule broken
names the rejection. Each catches a failure a blind review of valid tasks found for both designers:
the output cannot be derived from the input. Every threshold is a named constant below.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from dynosaur_assets.method import (
    BLANK_MIN_SHARE,
    CONFLICT_MIN_SHARE,
    LEAK_MIN_OUTPUT_CHARS,
    LEAK_MIN_SHARE,
    LEAK_MIN_SPAN_SHARE,
    MAX_TASKS_PER_PROMPT,
    OPTION_KEY_MIN_SHARE,
    SHORT_OUTPUT_WORDS,
    UNSUPPORTED_MIN_SHARE,
)
from dynosaur_assets.tasks import TaskDesign

RULE_SETS = ("paper", "strict")
STRICT_RULES = (
    "extra_task",
    "option_key_without_options",
    "input_does_not_determine_output",
    "output_leaked_in_input",
    "unsupported_target",
    "blank_without_blank",
)

_OPTION_LETTER = re.compile(r"^\(?([A-H])\)?[.):]?$")
_OPTION_INDEX = re.compile(r"^[0-9]$")
_KEY_FIELD_WORDS = ("answer", "correct", "gold", "key", "choice", "option", "idx", "index")
_OPTIONS_FIELD = re.compile(r"choice|option|ending|candidate|alternative|^(op|opt)?[a-h]$|^sol\d|^answer_?[a-h1-8]$",
                            re.IGNORECASE)
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_FILE_EXTENSION = (r"\.(py|js|ts|java|go|rb|php|c|h|cc|cpp|cs|rs|sh|ipynb|json|jsonl|txt|csv|tsv|md|html?|xml|ya?ml"
                   r"|jpe?g|png|gif|pdf|wav|mp3|mp4|zip|gz)$")
_PATH = re.compile(r"^(~|\.{1,2})?[/\\]?[\w.@-]+([/\\][\w.@-]+)+$")
_ROOTED_PATH = re.compile(r"^(~|\.{1,2}|[A-Za-z]:)?[/\\]\w|[/\\].*[/\\]")
_FILE_NAME = re.compile(rf"^[\w./\\-]+{_FILE_EXTENSION}", re.IGNORECASE)
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATES = (
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?\S*)?$"),
    re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?$"),
    re.compile(rf"^{_MONTHS} \d{{1,2}}(st|nd|rd|th)?,? \d{{4}}$", re.IGNORECASE),
    re.compile(rf"^\d{{1,2}}(st|nd|rd|th)? {_MONTHS},? \d{{4}}$", re.IGNORECASE),
)
_IDENTIFIERS = (
    re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE),
    re.compile(r"^(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}$", re.IGNORECASE),
    re.compile(r"^\d{6,}$"),
    re.compile(r"^[A-Za-z]+[_-]?\d{3,}[A-Za-z0-9_-]*$"),
    re.compile(r"^@\w+$"),
)
_USER_FIELD = re.compile(r"user|author|annotator|worker|speaker|handle|screen_?name|login", re.IGNORECASE)
_BLANK_WORDS = re.compile(r"\bblanks?\b|\bfill[- ]in\b|\bcloze\b", re.IGNORECASE)
_BLANK_MARKER = re.compile(r"_{2,}|(^|\s)_(\s|$)|\[mask\]|<mask>|\[blank\]|<blank>|\(\s*\)|\{\s*\}", re.IGNORECASE)


@dataclass(frozen=True)
class SampleRow:
    """One sample row of a task: the raw row, and its rendered input and output (docs/method.md §4)."""

    row: dict
    input: str
    output: str


def strict_rule_broken(task: TaskDesign, position: int, rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """The first strict rule `task` breaks, as (rule, detail), or None. `position` is its 1-based place
    in its reply, `rows` its rendered sample rows."""
    if position > MAX_TASKS_PER_PROMPT:
        return "extra_task", f"task {position} of a reply; §2 asks for at most {MAX_TASKS_PER_PROMPT}"
    checks = (option_key_without_options(task, rows), input_does_not_determine_output(rows),
              output_leaked_in_input(task, rows), unsupported_target(task, rows), blank_without_blank(task, rows))
    return next((broken for broken in checks if broken), None)


def option_key_without_options(task: TaskDesign, rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """Outputs that are option letters (`A`..`H`, `(B)`, `C.`) or, in an answer-key field, digits, while
    no input holds the options: no input field is named or shaped like options (a list of at least two
    values; `choices`, `options`, `endings`, `opa`, `A`, ...) and the inputs do not letter them
    (`B.`, `(B)`, `B)`). The reverse, a single input field of option keys, breaks it too."""
    if not rows:
        return None
    name = task.output_field[0]
    if _share(rows, lambda r: _is_option_key(r.output, name)) >= OPTION_KEY_MIN_SHARE:
        if _options_in_inputs(task, rows):
            return None
        return "option_key_without_options", f"{name!r} holds option keys and no input holds the options"
    if len(task.input_fields) == 1 and _share(rows, lambda r: _is_option_key(r.input, task.input_fields[0])) >= \
            OPTION_KEY_MIN_SHARE:
        return "option_key_without_options", f"the only input {task.input_fields[0]!r} is an option key"
    return None


def input_does_not_determine_output(rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """Identical rendered inputs with different outputs: the rows whose input also comes with another
    output make up at least CONFLICT_MIN_SHARE of the rows (and at least two rows). Judged only for
    target-like outputs (a median of at most SHORT_OUTPUT_WORDS words): a generation task (write a
    question about a passage, a sentence with a given sentiment) has many right outputs per input."""
    if _median_words(rows) > SHORT_OUTPUT_WORDS:
        return None
    outputs: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        outputs[row.input].add(row.output)
    conflicting = sum(1 for row in rows if len(outputs[row.input]) > 1)
    if conflicting >= 2 and conflicting >= CONFLICT_MIN_SHARE * len(rows):
        return "input_does_not_determine_output", (f"{conflicting} of {len(rows)} rows share their input with a "
                                                   "row of another output")
    return None


def output_leaked_in_input(task: TaskDesign, rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """The output is already in the input for at least LEAK_MIN_SHARE of the rows: it equals an input
    field's value, or it is at least LEAK_MIN_SPAN_SHARE of the rendered input's length and inside it
    (an extractive answer, a short span of a long passage, is not a leak). Outputs shorter than
    LEAK_MIN_OUTPUT_CHARS never count (`0`, `yes`, `B` are in many texts by chance)."""
    leaked = sum(1 for row in rows if _leaked(task, row))
    if rows and leaked >= LEAK_MIN_SHARE * len(rows):
        return "output_leaked_in_input", f"the output is in the input in {leaked} of {len(rows)} rows"
    return None


def unsupported_target(task: TaskDesign, rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """Outputs that are identifiers (UUIDs, hashes, long numbers, `q_1234`, `@handle`), dates, URLs, file
    paths or names, or single tokens with a letter in a user / author / annotator field, that the row's input does
    not contain, in at least UNSUPPORTED_MIN_SHARE of the rows: no input determines them."""
    name = task.output_field[0]
    unsupported = [row for row in rows if _target_kind(row.output, name) and _norm(row.output) not in _norm(row.input)]
    if rows and len(unsupported) >= UNSUPPORTED_MIN_SHARE * len(rows):
        kind = _target_kind(unsupported[0].output, name)
        return "unsupported_target", f"{kind} outputs the input does not contain in {len(unsupported)} of {len(rows)} rows"
    return None


def blank_without_blank(task: TaskDesign, rows: Sequence[SampleRow]) -> tuple[str, str] | None:
    """An instruction about a blank (`fill in`, `blank`, `cloze`) whose inputs show a blank (`___`, `_`,
    `[MASK]`, `<mask>`, `[BLANK]`, `()`) in fewer than BLANK_MIN_SHARE of the rows."""
    if not rows or not _BLANK_WORDS.search(task.instruction):
        return None
    if _share(rows, lambda r: bool(_BLANK_MARKER.search(r.input))) < BLANK_MIN_SHARE:
        return "blank_without_blank", "the instruction speaks of a blank the inputs do not show"
    return None


def _is_option_key(value: str, field_name: str) -> bool:
    if _OPTION_LETTER.match(value.strip()):
        return True
    return bool(_OPTION_INDEX.match(value.strip())) and any(w in field_name.lower() for w in _KEY_FIELD_WORDS)


def _options_in_inputs(task: TaskDesign, rows: Sequence[SampleRow]) -> bool:
    if any(_OPTIONS_FIELD.search(name) for name in task.input_fields):
        return True
    if any(isinstance(r.row.get(name), list) and len(r.row[name]) > 1 for r in rows for name in task.input_fields):
        return True
    return _share(rows, _letters_its_key) >= OPTION_KEY_MIN_SHARE


def _letters_its_key(row: SampleRow) -> bool:
    match = _OPTION_LETTER.match(row.output.strip())
    return bool(match) and re.search(rf"(^|[\s(]){match.group(1)}[.):]", row.input) is not None


def _leaked(task: TaskDesign, row: SampleRow) -> bool:
    output = _norm(row.output)
    if len(output) < LEAK_MIN_OUTPUT_CHARS:
        return False
    fields = [row.row.get(name) for name in task.input_fields]
    if any(not isinstance(value, (list, dict)) and _norm(str(value)) == output for value in fields):
        return True
    text = _norm(row.input)
    return output in text and len(output) >= LEAK_MIN_SPAN_SHARE * len(text)


def _target_kind(value: str, field_name: str) -> str:
    text = value.strip()
    if _URL.match(text):
        return "URL"
    if any(pattern.match(text) for pattern in _DATES):
        return "date"
    if " " not in text and (_FILE_NAME.match(text) or _PATH.match(text) and _ROOTED_PATH.search(text)):
        return "path"
    if any(pattern.match(text) for pattern in _IDENTIFIERS):
        return "identifier"
    if _USER_FIELD.search(field_name) and re.search("[A-Za-z]", text) and " " not in text:
        return "username"
    return ""


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _share(rows: Sequence[SampleRow], test) -> float:
    return sum(1 for row in rows if test(row)) / len(rows) if rows else 0.0


def _median_words(rows: Sequence[SampleRow]) -> float:
    counts = sorted(len(row.output.split()) for row in rows)
    return counts[len(counts) // 2] if counts else 0
