"""docs/method.md §3: validity rules per response and the merge of the two prompt kinds."""

import json
from collections import defaultdict

import pytest

from locations import REFERENCE_TASKS
from dynosaur_assets.curate.validity import (
    REJECTION_RULES,
    KeptTask,
    merge_prompt_kinds,
    validate_response,
)
from dynosaur_assets.design.parse import ParsedResponse
from dynosaur_assets.tasks import TaskDesign

REFERENCE = REFERENCE_TASKS
FIELDS = ["sentence1", "sentence2", "label", "idx"]


def task(instruction: str, inputs: list, output: list) -> TaskDesign:
    return TaskDesign(instruction, inputs, output)


def test_valid_tasks_pass_in_order():
    tasks = [task("Compare.", ["sentence1", "sentence2"], ["label"]),
             task("Rewrite.", ["sentence1"], ["sentence2"])]
    valid, rejections = validate_response(tasks, FIELDS)
    assert valid == tasks
    assert rejections == []


@pytest.mark.parametrize(
    "failure, detail",
    [
        (ParsedResponse("{'task1'", error="no_dict_found", detail="no dict"), "no_dict_found no dict"),
        (SyntaxError("bad reply"), "SyntaxError: bad reply"),
        (None, "no tasks"),
        ("{'task1': ...", "not a task list"),
    ],
)
def test_unparseable_response_is_one_rejection(failure, detail):
    valid, rejections = validate_response(failure, FIELDS, "aware")
    assert valid == []
    summary = [(r.task, r.rule, r.prompt_kind, r.position) for r in rejections]
    assert summary == [(None, "unparseable", "aware", 0)]
    assert detail in rejections[0].detail


def test_parsed_reply_tasks_are_validated():
    tasks = [TaskDesign("Compare.", ["sentence1", "sentence2"], ["label"])]
    assert validate_response(ParsedResponse("{...}", tasks=tasks), FIELDS) == (tasks, [])


def test_empty_output_field():
    _, rejections = validate_response([task("Do it.", ["sentence1"], [])], FIELDS)
    assert [(r.rule, r.position) for r in rejections] == [("empty_output", 1)]


@pytest.mark.parametrize(
    "inputs, output", [(["sentence3"], ["label"]), (["sentence1"], ["gold"]), ([["nested"]], ["label"])]
)
def test_unknown_field_in_input_or_output(inputs, output):
    valid, rejections = validate_response([task("Do it.", inputs, output)], FIELDS)
    assert valid == []
    assert rejections[0].rule == "unknown_field"


def test_unknown_field_detail_names_the_fields():
    _, rejections = validate_response([task("Do it.", ["a", "sentence1"], ["b"])], FIELDS)
    assert rejections[0].detail == "not in the sample rows: 'a', 'b'"


def test_input_output_overlap():
    _, rejections = validate_response([task("Copy.", ["sentence1", "label"], ["label"])], FIELDS)
    assert rejections[0].rule == "input_output_overlap"
    assert rejections[0].detail == "both input and output: 'label'"


def test_duplicate_instruction_compares_with_every_earlier_task():
    first = task("Same words.", ["sentence1"], ["unknown"])  # rejected itself, still counts as earlier
    second = task("Same words.", ["sentence1"], ["label"])
    valid, rejections = validate_response([first, second], FIELDS)
    assert valid == []
    assert [(r.rule, r.position, r.detail) for r in rejections] == [
        ("unknown_field", 1, "not in the sample rows: 'unknown'"),
        ("duplicate_instruction", 2, "same instruction as task 1"),
    ]


def test_rules_apply_in_method_order():
    broken = task("Broken.", ["sentence1", "nope"], [])
    _, rejections = validate_response([broken], FIELDS)
    assert rejections[0].rule == "empty_output"


def test_merge_keeps_first_copy_and_records_prompt_kind():
    shared = task("Compare.", ["sentence1", "sentence2"], ["label"])
    aware_only = task("Rewrite.", ["sentence1"], ["sentence2"])
    reordered = task("Compare.", ["sentence2", "sentence1"], ["label"])
    kept, rejections = merge_prompt_kinds([shared, aware_only], [TaskDesign(**vars(shared)), reordered])
    assert kept == [KeptTask(shared, "aware"), KeptTask(aware_only, "aware"), KeptTask(reordered, "unaware")]
    assert [(r.rule, r.prompt_kind, r.position, r.detail) for r in rejections] == [
        ("duplicate_task", "unaware", 1, "same task as one from the aware prompt")
    ]


def test_merge_with_an_empty_kind():
    only = task("Compare.", ["sentence1"], ["label"])
    kept, rejections = merge_prompt_kinds([], [only])
    assert kept == [KeptTask(only, "unaware")]
    assert rejections == []


def test_the_declared_rules_are_the_rules_the_checks_give():
    """REJECTION_RULES is what the `task_rejections` quality suite allows; every one occurs, no other."""
    _, unparseable = validate_response(None, FIELDS)
    _, per_task = validate_response([task("A.", ["sentence1"], []), task("B.", ["x"], ["label"]),
                                     task("C.", ["label"], ["label"]), task("C.", ["sentence1"], ["label"])],
                                    FIELDS)
    shared = task("D.", ["sentence1"], ["label"])
    _, merged = merge_prompt_kinds([shared], [shared])
    assert sorted(r.rule for r in unparseable + per_task + merged) == sorted(REJECTION_RULES)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the published tasks are only in ../shared/reference")
def test_published_tasks_pass_validity_and_merge():
    """The 5,740 published gpt-3.5 tasks passed the original filter: with each task's own fields as
    the sample fields, every one is valid, and per task name none is an exact duplicate."""
    published = json.loads(REFERENCE.read_text(encoding="utf-8"))
    by_task_name: dict[str, list[TaskDesign]] = defaultdict(list)
    for entry in published:
        design = TaskDesign(entry["instruction"], list(entry["input_fields"]), list(entry["output_field"]))
        valid, rejections = validate_response([design], [*design.input_fields, *design.output_field])
        assert (valid, rejections) == ([design], [])
        by_task_name[entry["task_name"]].append(design)
    kept = [merge_prompt_kinds(tasks, [])[0] for tasks in by_task_name.values()]
    assert sum(map(len, kept)) == len(published) == 5740
