"""Design replies: what a designer answered for one (config, prompt kind), and their table rows."""

import json
from dataclasses import asdict, dataclass

from dynosaur_assets.design.parse import ParsedResponse
from dynosaur_assets.design.prompts import prompt_kinds
from dynosaur_assets.design.rules.designer import DESIGNER_NAME, DESIGNER_VERSION, design_tasks
from dynosaur_assets.tasks import TaskDesign, TaskSource


@dataclass
class DesignReply:
    """One designer answer: the raw text, what parsed from it, and who produced it."""

    prompt_kind: str
    parsed: ParsedResponse
    designer: str
    designer_version: str
    model: str | None = None
    request_hash: str | None = None


def tasks_as_json(tasks: list[TaskDesign]) -> str:
    """The `{"task1": {...}, ...}` form the LLM prompts ask for."""
    return json.dumps({f"task{i}": asdict(task) for i, task in enumerate(tasks, start=1)})


def rules_replies(source: TaskSource) -> list[DesignReply]:
    """The rule-based designer's answers for every prompt kind that applies to the source."""
    replies = []
    for kind in prompt_kinds(source):
        tasks = design_tasks(source, kind)
        parsed = ParsedResponse(tasks_as_json(tasks), tasks=tasks)
        replies.append(DesignReply(kind, parsed, DESIGNER_NAME, DESIGNER_VERSION))
    return replies


def design_rows(source: TaskSource, reply: DesignReply) -> list[dict]:
    """`task_designs` rows: one per proposed task, or one row holding the raw text and the reason
    for a reply that did not parse."""
    base = {
        "dataset_id": source.dataset_id,
        "config": source.config,
        "task_name": source.task_name,
        "prompt_kind": reply.prompt_kind,
        "designer": reply.designer,
        "designer_version": reply.designer_version,
        "model": reply.model,
        "request_hash": reply.request_hash,
    }
    if not reply.parsed.ok:
        return [
            {
                **base,
                "position": 0,
                "raw_text": reply.parsed.raw_text,
                "parse_error": reply.parsed.error,
                "parse_detail": reply.parsed.detail,
            }
        ]
    return [
        {
            **base,
            "position": position,
            "instruction": task.instruction,
            "input_fields": list(task.input_fields),
            "output_field": list(task.output_field),
            "proposal": json.dumps(asdict(task)),
        }
        for position, task in enumerate(reply.parsed.tasks, start=1)
    ]
