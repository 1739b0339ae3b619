"""An offline, rule-based task designer: docs/method.md §2 without an LLM.

It reads what the LLM prompt carries (task name, sample rows, and the description for the aware
kind) plus the feature schema, and proposes up to three tasks per prompt kind from templates: choose
an answer among options, answer a question (from its passage), write code from a description and
describe code, fill a masked word, write a title or summary, classify a label, write a question,
write a text with a given label (the reverse task), expand a summary, and a generic text-to-text
task as the last resort. Field roles come from field names; dtypes, value lengths and cardinalities
come from the sample rows. Identifier, URL, date and bookkeeping fields, nested values, identifier-
like values and outputs that are constant in the sample are never proposed, nor a candidate that
breaks one of the strict validity rules on the sample rows (docs/method.md §3.7: an option key without
its options, an output the input leaves open, already holds or cannot support); the next one is taken.

This module ranks the templates' candidates and words the best ones. Beside it: `profile.py` (field
profiles), `context.py` (field groups, nouns, the candidate record), `templates.py` and `labels.py`
(the templates), `wordings.py` (every instruction as data), `english.py` (plurals, articles, lists).
"""

from dynosaur_assets.curate.render import render_row
from dynosaur_assets.curate.strict_rules import SampleRow, strict_rule_broken
from dynosaur_assets.design.rules.context import Candidate, DesignContext
from dynosaur_assets.design.rules.labels import classify_label, write_with_label
from dynosaur_assets.design.rules.profile import profile_fields
from dynosaur_assets.design.rules.templates import (
    answer_question,
    choose_answer,
    expand_summary,
    fill_mask,
    generic_generation,
    write_code,
    write_question,
    write_title_or_summary,
)
from dynosaur_assets.method import MAX_TASKS_PER_PROMPT, PROMPT_KINDS
from dynosaur_assets.tasks import TaskDesign, TaskSource

DESIGNER_NAME = "rules"
DESIGNER_VERSION = "1.1.0"


def design_tasks(source: TaskSource, prompt_kind: str) -> list[TaskDesign]:
    """§2 offline: up to three tasks for one prompt kind.

    The aware kind proposes nothing when the description is empty (the original skipped that
    prompt); the unaware kind prefers tasks the aware kind did not take, so that together they give
    more distinct tasks."""
    if prompt_kind not in PROMPT_KINDS:
        raise ValueError(f"unknown prompt kind {prompt_kind!r}")
    described = bool(source.description.strip())
    if not source.rows or (prompt_kind == "aware" and not described):
        return []
    ranked = [candidate for candidate in rank_candidates(candidate_tasks(DesignContext(source, profile_fields(source))))
              if not breaks_strict_rules(candidate, source)]
    aware = ranked[:MAX_TASKS_PER_PROMPT] if described else []
    picks = aware if prompt_kind == "aware" else [c for c in ranked if c not in aware] + aware
    return _worded(picks, prompt_kind)


def candidate_tasks(context: DesignContext) -> list[Candidate]:
    """Every template's proposals for this source; the generic one covers the outputs left over."""
    templates = (choose_answer, answer_question, write_code, fill_mask, write_title_or_summary,
                 classify_label, write_question, write_with_label, expand_summary)
    specific = [candidate for template in templates for candidate in template(context)]
    return specific + generic_generation(context, {c.output for c in specific})


def rank_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """Best score first; one candidate per (template, output) and per (input set, output)."""
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if not any(_same_task(candidate, other) for other in kept):
            kept.append(candidate)
    return kept


def breaks_strict_rules(candidate: Candidate, source: TaskSource) -> bool:
    """Whether the candidate, worded for either prompt kind, breaks a strict validity rule on the
    source's sample rows (curate/strict_rules.py), as curation would judge it."""
    rendered = [(row, render_row(row, list(candidate.inputs), candidate.output)) for row in source.rows]
    rows = [SampleRow(row, r.input, r.output) for row, r in rendered if not r.skip_reason]
    return any(strict_rule_broken(TaskDesign(candidate.wording(kind), list(candidate.inputs), [candidate.output]),
                                  1, rows) for kind in PROMPT_KINDS)


def _same_task(candidate: Candidate, other: Candidate) -> bool:
    return candidate.output == other.output and (
        candidate.template == other.template or set(candidate.inputs) == set(other.inputs))


def _worded(candidates: list[Candidate], prompt_kind: str) -> list[TaskDesign]:
    """The first three candidates with distinct instructions, as tasks (validity rule 5)."""
    tasks: list[TaskDesign] = []
    for candidate in candidates:
        instruction = candidate.wording(prompt_kind)
        if instruction not in {task.instruction for task in tasks}:
            tasks.append(TaskDesign(instruction, list(candidate.inputs), [candidate.output]))
    return tasks[:MAX_TASKS_PER_PROMPT]
