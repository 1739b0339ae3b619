"""Steps 3-4 for one config: validity, merge, label space and instances (docs/method.md §3-§4)."""

import hashlib
import json
from dataclasses import dataclass, field

from dynosaur_assets.curate.label_space import check_label_space
from dynosaur_assets.curate.render import render_row, render_task_instances
from dynosaur_assets.curate.strict_rules import RULE_SETS, SampleRow, strict_rule_broken
from dynosaur_assets.curate.validity import Rejection, merge_prompt_kinds, task_key, validate_response
from dynosaur_assets.design.parse import ParsedResponse
from dynosaur_assets.tasks import TaskDesign, TaskSource


@dataclass
class Curation:
    """The `instructions`, `task_rejections` and `instruction_samples` rows of one config."""

    instructions: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def extend(self, other: "Curation") -> None:
        """Append another curation's rows (e.g. the next config of a dataset)."""
        self.instructions += other.instructions
        self.rejections += other.rejections
        self.samples += other.samples

    def tables(self) -> dict[str, list[dict]]:
        """The rows by the table they belong to."""
        return {"instructions": self.instructions, "task_rejections": self.rejections,
                "instruction_samples": self.samples}


def replies_from_designs(design_rows: list[dict]) -> dict[str, ParsedResponse]:
    """Rebuild each prompt kind's parsed reply from its `task_designs` rows (ordered by position)."""
    by_kind: dict[str, list[dict]] = {}
    for row in sorted(design_rows, key=lambda r: (r["prompt_kind"], r["position"])):
        by_kind.setdefault(row["prompt_kind"], []).append(row)
    return {kind: _reply_from_rows(rows) for kind, rows in by_kind.items()}


def _reply_from_rows(rows: list[dict]) -> ParsedResponse:
    failed = next((row for row in rows if row.get("parse_error")), None)
    if failed:
        return ParsedResponse(failed.get("raw_text") or "", error=failed["parse_error"],
                              detail=failed.get("parse_detail") or "")
    tasks = [TaskDesign(r["instruction"], list(r["input_fields"]), list(r["output_field"])) for r in rows]
    return ParsedResponse("", tasks=tasks)


def task_id(source: TaskSource, task: TaskDesign) -> str:
    """A stable id for a task of a config: a hash of the config and the task's content."""
    key = json.dumps([source.dataset_id, source.config, task.instruction, task.input_fields, task.output_field])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def curate_source(source: TaskSource, design_rows: list[dict], rule_set: str = "strict") -> Curation:
    """Validate each reply (§3 rules 1-5), merge the prompt kinds, apply the label space (§4) and
    render the instances; under the `strict` rule set, a task that survives all that must also pass
    §3.7's rules (curate/strict_rules.py). Every task that does not survive is a rejection with its
    rule; every row records the rule set applied."""
    if rule_set not in RULE_SETS:
        raise ValueError(f"the rule set must be one of {', '.join(RULE_SETS)}, got {rule_set!r} (DYNOSAUR_RULES)")
    designers = {row["prompt_kind"]: {**row, "rule_set": rule_set} for row in design_rows}
    field_names = list(source.rows[0]) if source.rows else []
    curation = Curation()
    valid: dict[str, list[TaskDesign]] = {}
    positions: dict[tuple, int] = {}
    for kind, reply in replies_from_designs(design_rows).items():
        valid[kind], rejected = validate_response(reply, field_names, kind)
        curation.rejections += [rejection_row(source, r, designers[kind]) for r in rejected]
        for position, task in enumerate(reply.tasks, start=1):
            positions.setdefault((kind, task_key(task)), position)
    kept, duplicates = merge_prompt_kinds(valid.get("aware", []), valid.get("unaware", []))
    curation.rejections += [rejection_row(source, r, designers[r.prompt_kind]) for r in duplicates]
    for kept_task in kept:
        position = positions[(kept_task.prompt_kind, task_key(kept_task.task))]
        add_task(curation, source, kept_task.task, designers[kept_task.prompt_kind], position)
    return curation


def sample_rows(task: TaskDesign, source: TaskSource) -> list[SampleRow]:
    """The task's rendered sample rows (§4), each with its raw row, for §3.7's rules."""
    rendered = [(row, render_row(row, task.input_fields, task.output_field[0])) for row in source.rows]
    return [SampleRow(row, r.input, r.output) for row, r in rendered if not r.skip_reason]


def add_task(curation: Curation, source: TaskSource, task: TaskDesign, design: dict, position: int = 0) -> None:
    """§4 for one valid task: label space, then instances; the task is kept only with instances and,
    under the strict rule set, only when it breaks none of §3.7's rules (judged on its rendered rows)."""
    label_space = check_label_space(task, source.rows)
    if not label_space.kept:
        rejection = Rejection(task, label_space.rule, label_space.detail, design["prompt_kind"])
        curation.rejections.append(rejection_row(source, rejection, design))
        return
    final = TaskDesign(label_space.instruction, task.input_fields, task.output_field)
    rendered = render_task_instances(final, source)
    instances = distinct_instances(curation.seen, rendered.instances)
    skipped = dict(rendered.skipped)
    if len(instances) < len(rendered.instances):
        skipped["duplicate_instance"] = len(rendered.instances) - len(instances)
    if not instances:
        detail = f"no sample row rendered: {json.dumps(skipped)}"
        rejection = Rejection(task, "no_instances", detail, design["prompt_kind"])
        curation.rejections.append(rejection_row(source, rejection, design))
        return
    broken = design["rule_set"] == "strict" and strict_rule_broken(
        task, position, sample_rows(final, source))
    if broken:
        rejection = Rejection(task, broken[0], broken[1], design["prompt_kind"], position)
        curation.rejections.append(rejection_row(source, rejection, design))
        return
    tid = task_id(source, task)
    curation.instructions.append(
        {
            **_design_columns(source, design),
            "task_id": tid,
            "instruction": final.instruction,
            "base_instruction": task.instruction,
            "input_fields": task.input_fields,
            "output_field": task.output_field,
            "labels": list(label_space.labels),
            "instances": len(instances),
            "skipped_rows": json.dumps(skipped),
        }
    )
    curation.samples += [
        {"dataset_id": source.dataset_id, "config": source.config, "task_id": tid, "instance_idx": i, **instance}
        for i, instance in enumerate(instances)
    ]


def distinct_instances(seen: set[tuple[str, str, str]], instances: list[dict]) -> list[dict]:
    """Drop instances whose (instruction, input, output) the config already produced, e.g. a title
    task over a QA set whose rows share a passage (the project's rule; the original kept them)."""
    kept = []
    for instance in instances:
        key = (instance["instruction"], instance["input"], instance["output"])
        if key not in seen:
            seen.add(key)
            kept.append(instance)
    return kept


def rejection_row(source: TaskSource, rejection: Rejection, design: dict) -> dict:
    """A `task_rejections` row."""
    task = rejection.task
    return {
        **_design_columns(source, design),
        "prompt_kind": rejection.prompt_kind or design["prompt_kind"],
        "position": rejection.position,
        "rule": rejection.rule,
        "detail": rejection.detail,
        "instruction": task.instruction if task else None,
        "input_fields": list(task.input_fields) if task else None,
        "output_field": list(task.output_field) if task else None,
    }


def _design_columns(source: TaskSource, design: dict) -> dict:
    return {
        "dataset_id": source.dataset_id,
        "config": source.config,
        "task_name": source.task_name,
        "prompt_kind": design["prompt_kind"],
        "designer": design["designer"],
        "designer_version": design["designer_version"],
        "model": design.get("model"),
        "rule_set": design["rule_set"],
    }
