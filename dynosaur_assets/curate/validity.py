"""Validity rules for designed tasks and the merge of the two prompt kinds (docs/method.md §3)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dynosaur_assets.method import PROMPT_KINDS
from dynosaur_assets.tasks import TaskDesign

REJECTION_RULES = (
    "unparseable",
    "empty_output",
    "unknown_field",
    "input_output_overlap",
    "duplicate_instruction",
    "duplicate_task",
)


class ParsedReply(Protocol):
    """What `design.parse.ParsedResponse` offers: the tasks, or the reason nothing could be read."""

    tasks: list[TaskDesign]
    error: str | None
    detail: str


@dataclass(frozen=True)
class Rejection:
    """One rejected task (None for an unparseable response), the rule it broke and a short detail.

    `position` is the task's 1-based place in its response (0 for a whole response).
    """

    task: TaskDesign | None
    rule: str
    detail: str
    prompt_kind: str = ""
    position: int = 0


@dataclass(frozen=True)
class KeptTask:
    """A task that passed §3, with the prompt kind (`aware` / `unaware`) that proposed it."""

    task: TaskDesign
    prompt_kind: str


Proposals = Sequence[TaskDesign] | ParsedReply | BaseException | None


def validate_response(
    proposals: Proposals, field_names: Iterable[str], prompt_kind: str = ""
) -> tuple[list[TaskDesign], list[Rejection]]:
    """§3 rules 1-5 for the proposals of ONE response.

    `proposals` is the task list, or a parsed reply (`tasks` / `error`), or an exception or None for a
    response that did not parse (rule 1: one `unparseable` rejection with task None). `field_names`
    are the keys of the config's first sample row before any prompt truncation (§7). Rule 5 compares
    each instruction with every earlier instruction of the response, rejected or not, as the
    original code does.
    """
    failure = _parse_failure(proposals)
    if failure:
        return [], [Rejection(None, "unparseable", f"response did not parse: {failure}", prompt_kind)]
    tasks = list(getattr(proposals, "tasks", proposals))
    known = {name for name in field_names if isinstance(name, str)}
    valid: list[TaskDesign] = []
    rejections: list[Rejection] = []
    for position, task in enumerate(tasks, start=1):
        earlier = [other.instruction for other in tasks[: position - 1]]
        broken = task_rule_broken(task, known, earlier)
        if broken:
            rejections.append(Rejection(task, broken[0], broken[1], prompt_kind, position))
        else:
            valid.append(task)
    return valid, rejections


def task_rule_broken(task: TaskDesign, known: set[str], earlier: list[str]) -> tuple[str, str] | None:
    """The first of §3 rules 2-5 that `task` breaks, as (rule, detail), or None when it is valid."""
    if not task.output_field:
        return "empty_output", "output_field is empty"
    unknown = [name for name in [*task.input_fields, *task.output_field] if not _is_known(name, known)]
    if unknown:
        return "unknown_field", f"not in the sample rows: {', '.join(map(repr, unknown))}"
    overlap = [name for name in task.input_fields if name in task.output_field]
    if overlap:
        return "input_output_overlap", f"both input and output: {', '.join(map(repr, overlap))}"
    if task.instruction in earlier:
        return "duplicate_instruction", f"same instruction as task {earlier.index(task.instruction) + 1}"
    return None


def merge_prompt_kinds(
    aware: Sequence[TaskDesign], unaware: Sequence[TaskDesign]
) -> tuple[list[KeptTask], list[Rejection]]:
    """§3: merge the valid aware and unaware tasks and remove exact duplicates.

    Two tasks are duplicates when instruction, input fields (in order) and output field are equal.
    The first copy is kept (aware before unaware) with its prompt kind; each later copy becomes a
    `duplicate_task` rejection. The original code kept the last copy; the content is the same.
    """
    kept: list[KeptTask] = []
    seen: dict[tuple, KeptTask] = {}
    rejections: list[Rejection] = []
    for prompt_kind, tasks in zip(PROMPT_KINDS, (aware, unaware)):
        for position, task in enumerate(tasks, start=1):
            key = task_key(task)
            if key in seen:
                detail = f"same task as one from the {seen[key].prompt_kind} prompt"
                rejections.append(Rejection(task, "duplicate_task", detail, prompt_kind, position))
                continue
            seen[key] = KeptTask(task, prompt_kind)
            kept.append(seen[key])
    return kept, rejections


def task_key(task: TaskDesign) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What makes two tasks the same for §3's merge: instruction, input fields, output field."""
    return task.instruction, tuple(map(str, task.input_fields)), tuple(map(str, task.output_field))


def _is_known(name: object, known: set[str]) -> bool:
    return isinstance(name, str) and name in known


def _parse_failure(proposals: object) -> str:
    """Why `proposals` holds no task list (empty when it does)."""
    if hasattr(proposals, "error") and hasattr(proposals, "tasks"):
        error = proposals.error
        return f"{error} {getattr(proposals, 'detail', '')}".strip() if error else ""
    if isinstance(proposals, BaseException):
        return f"{type(proposals).__name__}: {proposals}"
    if proposals is None:
        return "no tasks"
    if isinstance(proposals, str) or not isinstance(proposals, Sequence):
        return f"not a task list: {proposals!r}"[:200]
    return ""
