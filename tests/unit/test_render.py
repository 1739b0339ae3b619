"""docs/method.md §4 instances: every rendering branch, with the exact text of the original code."""

import pytest

from dynosaur_assets.curate.render import render_output, render_task_instances
from dynosaur_assets.tasks import TaskDesign, TaskSource


def source(rows: list[dict]) -> TaskSource:
    website = "https://gluebenchmark.com"
    return TaskSource("glue", "mrpc", "glue-mrpc", {}, rows, license="cc-by-4.0", website=website)


@pytest.mark.parametrize(
    "value, expected",
    [("  equivalent \n", "equivalent"), (3, "3"), (0.5, "0.5"), (True, "True"), ("", "")],
)
def test_render_output_scalars(value, expected):
    assert render_output(value) == expected


@pytest.mark.parametrize("value", [["a"], {"a": 1}, None])
def test_render_output_non_scalar_is_none(value):
    assert render_output(value) is None


def test_render_output_is_cut_at_2000_characters():
    assert render_output("x" * 2500 + "  ") == "x" * 2000


def rendered_input(row: dict, input_fields: list[str]) -> str:
    """The input text of the one instance `render_task_instances` makes from `row` (given an output)."""
    task = TaskDesign("Label.", input_fields, ["out"])
    instances, skipped = render_task_instances(task, source([{**row, "out": "o"}]))
    assert skipped == {} and len(instances) == 1
    return instances[0]["input"]


def test_single_field_is_its_stripped_value():
    assert rendered_input({"sentence": "  Hello there. "}, ["sentence"]) == "Hello there."


def test_single_numeric_field():
    assert rendered_input({"year": 1999}, ["year"]) == "1999"


def test_several_fields_are_field_is_value_pieces():
    row = {"premise": " A man runs. ", "hypothesis": "He moves.", "label": 1}
    assert rendered_input(row, ["premise", "hypothesis", "label"]) == (
        "premise is 'A man runs.'. hypothesis is 'He moves.'. label is '1'. "
    )


def test_list_in_a_choice_field_is_lettered():
    assert rendered_input({"choices": ["red", "blue"]}, ["choices"]) == " A. 'red', B. 'blue'."


def test_list_in_another_field_is_quoted():
    assert rendered_input({"answers": ["red", "blue"]}, ["answers"]) == "'red', 'blue'. "


def test_question_with_choices():
    row = {"question": "Which colour?", "answer_choices": ["red", "blue", "green"]}
    assert rendered_input(row, ["question", "answer_choices"]) == (
        "question is 'Which colour?'.  A. 'red', B. 'blue', C. 'green'."
    )


def test_choices_then_another_field_follow_the_original_concatenation():
    row = {"choices": ["x"], "topic": "colours"}
    assert rendered_input(row, ["choices", "topic"]) == " A. 'x'.topic is 'colours'. "


def test_list_items_are_not_stripped():
    assert rendered_input({"tokens": [" a", "b "]}, ["tokens"]) == "' a', 'b '. "


def test_input_is_cut_at_2000_characters():
    assert rendered_input({"text": "y" * 2100}, ["text"]) == "y" * 2000


@pytest.mark.parametrize(
    "row, fields, reason",
    [
        ({"a": "x"}, ["b"], "missing_field"),
        ({"a": None, "b": "x"}, ["a", "b"], "null_input"),
        ({"a": {"text": ["x"]}}, ["a"], "nested_input"),
        ({"a": []}, ["a"], "bad_list_input"),
        ({"a": ["x", None]}, ["a"], "bad_list_input"),
        ({"a": ["x", 1]}, ["a"], "bad_list_input"),
        ({"a": [["x"]]}, ["a"], "bad_list_input"),
        ({"a": "   "}, ["a"], "empty_input"),
        ({"a": "x"}, [], "empty_input"),
    ],
)
def test_rows_that_give_no_input(row, fields, reason):
    instances, skipped = render_task_instances(TaskDesign("Label.", fields, ["out"]), source([{**row, "out": "o"}]))
    assert (instances, skipped) == ([], {reason: 1})


def test_empty_string_among_several_fields_still_renders():
    assert rendered_input({"a": "", "b": "x"}, ["a", "b"]) == "a is ''. b is 'x'. "


def test_an_instance_carries_the_six_columns():
    task = TaskDesign("Are they equivalent? Answers must be one of yes, no.", ["s1", "s2"], ["label"])
    row = {"s1": "A.", "s2": "B.", "label": "yes "}
    assert render_task_instances(task, source([row])).instances == [{
        "instruction": "Are they equivalent? Answers must be one of yes, no.",
        "input": "s1 is 'A.'. s2 is 'B.'. ",
        "output": "yes",
        "license": "cc-by-4.0",
        "website": "https://gluebenchmark.com",
        "taskname": "glue-mrpc",
    }]


@pytest.mark.parametrize(
    "row, reason",
    [({"s1": "A.", "label": ["yes"]}, "non_scalar_output"), ({"s1": None, "label": "yes"}, "null_input"),
     ({"s1": "A."}, "missing_field")],
)
def test_no_instance_when_the_row_gives_nothing(row, reason):
    instances, skipped = render_task_instances(TaskDesign("Label.", ["s1"], ["label"]), source([row]))
    assert (instances, skipped) == ([], {reason: 1})


def test_render_task_instances_counts_skipped_rows_and_stops_at_non_scalar_output():
    task = TaskDesign("Label.", ["s1"], ["label"])
    rows = [
        {"s1": "one", "label": "a"},
        {"s1": None, "label": "b"},
        {"s1": "three"},
        {"s1": ["x", 2], "label": "c"},
        {"s1": "five", "label": "d"},
        {"s1": "six", "label": ["e"]},
        {"s1": "seven", "label": "f"},
        {"s1": "eight", "label": "g"},
    ]
    instances, skipped = render_task_instances(task, source(rows))
    assert [(i["input"], i["output"]) for i in instances] == [("one", "a"), ("five", "d")]
    assert skipped == {"null_input": 1, "missing_field": 1, "bad_list_input": 1, "non_scalar_output": 3}


def test_render_task_instances_uses_only_the_first_output_field():
    task = TaskDesign("Label.", ["s1"], ["label", "missing"])
    instances, skipped = render_task_instances(task, source([{"s1": "x", "label": "y"}]))
    assert [i["output"] for i in instances] == ["y"] and skipped == {}


def test_a_task_without_instances_returns_an_empty_list():
    task = TaskDesign("Label.", ["s1"], ["label"])
    instances, skipped = render_task_instances(task, source([{"s1": "x", "label": None}]))
    assert (instances, skipped) == ([], {"non_scalar_output": 1})


class TrackedText(str):
    """A field value that logs each time it is rendered (turned into a plain string)."""

    log: list[str]

    def __str__(self) -> str:
        self.log.append(str.__str__(self))
        return str.__str__(self)


@pytest.mark.parametrize("input_fields", [["s1"], ["s1", "s2"]])
def test_each_value_of_a_row_is_rendered_once(monkeypatch, input_fields):
    monkeypatch.setattr(TrackedText, "log", [], raising=False)
    plain = [{"s1": f"one {i}", "s2": f"two {i}", "label": f"l{i}"} for i in range(3)]
    rows = [{name: TrackedText(value) for name, value in row.items()} for row in plain]
    rows.append({"s1": None, "s2": TrackedText("two 3"), "label": TrackedText("l3")})
    instances, skipped = render_task_instances(TaskDesign("Label.", input_fields, ["label"]), source(rows))
    assert len(instances) == 3 and skipped == {"null_input": 1}
    expected = [row[name] for row in plain for name in [*input_fields, "label"]] + ["l3"]
    assert sorted(TrackedText.log) == sorted(expected)
