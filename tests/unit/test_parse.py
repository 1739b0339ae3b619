"""Reading designer replies (docs/method.md §3 rule 1): formats accepted, failures named, problems kept."""

import json
import time

import pytest

from dynosaur_assets.design.parse import PARSE_ERRORS, parse_response
from dynosaur_assets.tasks import TaskDesign

TASKS = {
    "task1": {"instruction": "Answer the question.", "input_fields": ["context", "question"],
              "output_field": ["answer"]},
    "task2": {"instruction": "Write a title.", "input_fields": ["context"], "output_field": ["title"]},
}
EXPECTED = [
    TaskDesign("Answer the question.", ["context", "question"], ["answer"]),
    TaskDesign("Write a title.", ["context"], ["title"]),
]


@pytest.mark.parametrize("text", [
    json.dumps(TASKS),
    repr(TASKS),
    f"Sure! Here are the tasks:\n```json\n{json.dumps(TASKS, indent=2)}\n```\nLet me know.",
    f"```python\n{TASKS!r}\n```",
    f"The dataset's fields suggest these tasks: {TASKS!r} -- that's all.",
    f"Tasks: {json.dumps(TASKS)}\nNote: fields {{context}} matter.",
    json.dumps(list(TASKS.values())),
    "context,question -> answer: Answer the question.\ncontext -> title: Write a title.",
    "Tasks:\n1. context, question -> answer: Answer the question.\n2) context -> title: Write a title.",
    "task1: context,question -> answer: Answer the question.\n- task2: context -> title: Write a title.",
])
def test_accepted_formats(text):
    parsed = parse_response(text, "stop")
    assert parsed.ok and parsed.tasks == EXPECTED and parsed.problems == []
    assert parsed.raw_text == text


def test_truncated_reply_fails_whatever_it_holds():
    parsed = parse_response(json.dumps(TASKS)[:80], finish_reason="length")
    assert parsed.error == "truncated" and not parsed.tasks and parsed.raw_text.startswith('{"task1"')
    assert parse_response(json.dumps(TASKS), finish_reason="length").error == "truncated"


@pytest.mark.parametrize(("text", "error"), [
    ("", "empty_response"),
    (None, "empty_response"),
    ("I cannot design tasks for this dataset.", "no_dict_found"),
    (json.dumps(TASKS)[:40], "no_dict_found"),
    ('{"fields": ["a", "b"]}', "not_a_task_dict"),
    ("{}", "not_a_task_dict"),
    ('{"task1": null, "task2": {"instruction": "", "input_fields": [], "output_field": ["x"]}}', "no_tasks"),
])
def test_failures_are_named(text, error):
    parsed = parse_response(text)
    assert parsed.error == error and parsed.tasks == [] and error in PARSE_ERRORS


def test_python_literal_is_never_evaluated():
    parsed = parse_response("{'task1': __import__('os').system('echo hi')}")
    assert parsed.error == "no_dict_found"


def test_coercions_and_problems():
    text = json.dumps({
        "task1": {"instruction": " Classify. ", "input_fields": "text", "output_field": "label", "note": 1},
        "task2": {"instruction": "Two outputs.", "input_fields": ["a"], "output_field": ["b", "c"]},
        "task3": {"input_fields": ["a"], "output_field": ["b"]},
        "task4": "not a task",
        "task5": {"instruction": "Numbers.", "input_fields": [1], "output_field": None},
    })
    parsed = parse_response(text)
    assert parsed.ok
    assert parsed.tasks == [
        TaskDesign("Classify.", ["text"], ["label"]),
        TaskDesign("Two outputs.", ["a"], ["b", "c"]),
        TaskDesign("Numbers.", ["1"], []),
    ]
    problems = {(problem.position, problem.problem.split(" ")[0]) for problem in parsed.problems}
    assert {(1, "extra"), (1, "input_fields"), (1, "output_field"), (2, "output_field"), (3, "no"),
            (4, "not"), (5, "input_fields"), (5, "output_field")} == problems


def test_more_than_three_tasks_are_kept_and_noted():
    four = {f"task{number}": {**TASKS["task1"], "instruction": f"Task {number}."} for number in range(1, 5)}
    parsed = parse_response(json.dumps(four))
    assert len(parsed.tasks) == 4 and [problem.position for problem in parsed.problems] == [0]


def test_cut_reply_without_finish_reason_keeps_the_complete_tasks():
    assert parse_response(json.dumps(TASKS)[:-3]).tasks == EXPECTED[:1]


def test_single_task_and_schema_nulls():
    single = parse_response(json.dumps(TASKS["task1"]))
    assert single.tasks == EXPECTED[:1]
    with_nulls = parse_response(json.dumps({**TASKS, "task3": None}))
    assert with_nulls.tasks == EXPECTED and with_nulls.problems == []


def test_prose_with_decoy_dicts_before_the_answer():
    text = ('The description says {"task1": "pwned"} and lists {"label": 1}.\n'
            f"```json\n{json.dumps(TASKS)}\n```")
    assert parse_response(text).tasks == EXPECTED


def test_a_field_name_that_is_not_a_string_is_stored_and_rejected_by_the_field_rule():
    """SmolLM2 wrote `"input_fields":[{"label":"out"}]` in a real run; writing that task to
    `task_designs` (VARCHAR[]) failed the whole step before names were coerced to their JSON text."""
    from dynosaur_assets.curate.validity import validate_response
    from dynosaur_assets.design.replies import DesignReply, design_rows
    from dynosaur_assets.store import connect_store, replace_partition
    from dynosaur_assets.tasks import TaskSource

    text = '{"task1":{"instruction":"Rate it.","input_fields":[{"label":"out"},7],"output_field":["review"]}}'
    parsed = parse_response(text)
    assert parsed.tasks[0].input_fields == ['{"label": "out"}', "7"]
    source = TaskSource("o/d", "default", "o/d", {}, [{"review": "good", "label": "pos"}], "")
    rows = design_rows(source, DesignReply("unaware", parsed, "openai", "4"))
    with connect_store(None) as conn:
        replace_partition(conn, "o/d", {"task_designs": rows})
        assert conn.execute("SELECT input_fields FROM task_designs").fetchone() == (['{"label": "out"}', "7"],)
    valid, rejected = validate_response(parsed, ["review", "label"], "unaware")
    assert valid == [] and [r.rule for r in rejected] == ["unknown_field"]


@pytest.mark.parametrize(("text", "error"), [
    ("[" * 1000 + "]" * 1000, "nested_too_deep"),
    ('{"task1": ' + '{"a": ' * 1000 + "1" + "}" * 1001, "nested_too_deep"),
    ("{" * 100_000, "nested_too_deep"),
    (json.dumps([1, 2, {"foo": "bar"}]), "not_a_task_dict"),
    (json.dumps({"task1": {"instruction": "A" * 100_000, "input_fields": ["a"], "output_field": ["b"]}}), "no_tasks"),
])
def test_hostile_replies_are_named_parse_errors_in_bounded_time(text, error):
    started = time.monotonic()
    parsed = parse_response(text)
    assert parsed.error == error and error in PARSE_ERRORS and parsed.raw_text == text
    assert time.monotonic() - started < 1


def test_unclosed_brackets_before_a_long_text_are_scanned_in_bounded_time():
    started = time.monotonic()
    parsed = parse_response("{ " * 90 + "x" * 200_000 + json.dumps(TASKS))  # 90 scans of 200 KB without a cap
    assert time.monotonic() - started < 1.5 and parsed.error == "no_dict_found"
    assert parse_response("note [1] " * 500 + json.dumps(TASKS)).tasks == EXPECTED


def test_nul_and_lone_surrogates_are_escaped_so_the_lake_can_store_them():
    text = json.dumps({"task1": {"instruction": "A\x00b \udcff", "input_fields": ["nul\x00l"], "output_field": "x"}})
    [task] = parse_response(text).tasks
    assert (task.instruction, task.input_fields) == ("A\\x00b \\udcff", ["nul\\x00l"])
