"""docs/method.md §3.7: the strict validity rules, each with a case it rejects and one it keeps, and
their place in curation (after §3-§4, only under the strict rule set)."""

import pytest

from dynosaur_assets.curate.curation import curate_source, sample_rows
from dynosaur_assets.curate.strict_rules import (
    SampleRow,
    blank_without_blank,
    input_does_not_determine_output,
    option_key_without_options,
    output_leaked_in_input,
    strict_rule_broken,
    unsupported_target,
)
from dynosaur_assets.tasks import TaskDesign, TaskSource


def source(rows: list[dict]) -> TaskSource:
    return TaskSource("o/d", "default", "o/d", {}, rows, "", "mit", "")


def judged(rows: list[dict], inputs: list[str], output: str, instruction: str = "Do it.") -> tuple[TaskDesign, list]:
    task = TaskDesign(instruction, inputs, [output])
    return task, sample_rows(task, source(rows))


QUIZ = [{"question": f"Question {i}?", "answer": "ABCD"[i % 4], "choices": [f"x{i}", f"y{i}", f"z{i}", f"w{i}"],
         "options_text": f"A. x{i} B. y{i} C. z{i} D. w{i}"} for i in range(8)]


def test_option_key_without_options():
    task, rows = judged(QUIZ, ["question"], "answer")
    assert option_key_without_options(task, rows)[0] == "option_key_without_options"
    task, rows = judged(QUIZ, ["answer"], "question")
    assert "the only input 'answer' is an option key" in option_key_without_options(task, rows)[1]


@pytest.mark.parametrize("inputs", [["question", "choices"], ["question", "options_text"]])
def test_option_key_with_its_options_is_kept(inputs):
    task, rows = judged(QUIZ, inputs, "answer")
    assert option_key_without_options(task, rows) is None


def test_a_lettered_input_holds_the_options():
    rows = [{"q": f"Pick one: A) x{i} B) y{i}", "key": "AB"[i % 2]} for i in range(4)]
    assert option_key_without_options(*judged(rows, ["q"], "key")) is None


def test_digits_are_option_keys_only_in_an_answer_key_field():
    rows = [{"question": f"q{i}", "answer_idx": str(i % 3), "count": str(i % 3)} for i in range(6)]
    assert option_key_without_options(*judged(rows, ["question"], "answer_idx"))
    assert option_key_without_options(*judged(rows, ["question"], "count")) is None


def test_input_does_not_determine_output():
    rows = [{"passage": "p1" if i < 4 else "p2", "answer": f"a{i}", "title": "t1" if i < 4 else "t2"} for i in range(6)]
    _, judged_rows = judged(rows, ["passage"], "answer")
    assert input_does_not_determine_output(judged_rows)[0] == "input_does_not_determine_output"
    _, judged_rows = judged(rows, ["passage"], "title")
    assert input_does_not_determine_output(judged_rows) is None


def test_generation_from_a_label_may_have_many_outputs():
    rows = [{"label": "positive", "text": f"a long enough sentence number {i} here"} for i in range(5)]
    assert input_does_not_determine_output(judged(rows, ["label"], "text")[1]) is None


def test_one_conflict_in_many_rows_is_tolerated():
    rows = [{"text": f"t{i}" if i > 1 else "same", "label": f"l{i % 2}"} for i in range(10)]
    assert input_does_not_determine_output(judged(rows, ["text"], "label")[1]) is None


def test_output_leaked_in_input():
    rows = [{"text": f"Great film number {i}.", "label_text": "positive" if i % 2 else "negative",
             "label": "positive" if i % 2 else "negative"} for i in range(6)]
    task, judged_rows = judged(rows, ["text", "label_text"], "label")
    assert output_leaked_in_input(task, judged_rows)[0] == "output_leaked_in_input"
    task, judged_rows = judged(rows, ["text"], "label")
    assert output_leaked_in_input(task, judged_rows) is None


def test_a_case_changed_copy_is_a_leak():
    rows = [{"question": f"What Is Item {i}?", "normalized": f"what is item {i}?"} for i in range(4)]
    assert output_leaked_in_input(*judged(rows, ["question"], "normalized"))


def test_an_extractive_answer_and_short_outputs_are_not_leaks():
    passage = "The quick brown fox jumps over the lazy dog near the river bank on a sunny day. " * 2
    rows = [{"q": f"Who {i}?", "passage": passage, "answer": "brown fox", "flag": "yes"} for i in range(4)]
    assert output_leaked_in_input(*judged(rows, ["q", "passage"], "answer")) is None
    rows = [{"text": "yes it is", "flag": "yes"} for _ in range(4)]
    assert output_leaked_in_input(*judged(rows, ["text"], "flag")) is None


@pytest.mark.parametrize("value, kind", [
    ("http://example.com/a{i}", "URL"), ("2019-05-0{i}", "date"), ("May {i}, 2019", "date"),
    ("src/utils/file{i}.py", "path"), ("3f2a9c1{i}e8b", "identifier"), ("1234567{i}", "identifier"),
    ("q_1234{i}", "identifier"),
])
def test_unsupported_target(value, kind):
    rows = [{"headline": f"Something happened {i}", "target": value.format(i=i + 1)} for i in range(4)]
    broken = unsupported_target(*judged(rows, ["headline"], "target"))
    assert broken[0] == "unsupported_target" and broken[1].startswith(kind)


def test_a_target_the_input_contains_is_supported():
    rows = [{"text": f"Posted on 2019-05-0{i + 1} by the team.", "date": f"2019-05-0{i + 1}"} for i in range(4)]
    assert unsupported_target(*judged(rows, ["text"], "date")) is None


def test_a_username_field_needs_letters_and_one_token():
    rows = [{"persona": f"I like cats {i}.", "username": f"catfan_{i}x", "author": "Jane Doe", "score": str(i)}
            for i in range(4)]
    assert unsupported_target(*judged(rows, ["persona"], "username"))[1].startswith("username")
    assert unsupported_target(*judged(rows, ["persona"], "author")) is None
    rows = [{"story": f"s{i}", "worker_score": str(i % 3 + 1)} for i in range(4)]
    assert unsupported_target(*judged(rows, ["story"], "worker_score")) is None


def test_labels_are_not_paths():
    rows = [{"text": f"post {i}", "group": ["sci.space", "N/A", "comp.graphics", "yes/no"][i]} for i in range(4)]
    assert unsupported_target(*judged(rows, ["text"], "group")) is None


def test_blank_without_blank():
    rows = [{"sentence": f"The cat sat on mat {i}.", "word": f"mat{i}"} for i in range(4)]
    assert blank_without_blank(*judged(rows, ["sentence"], "word", "Fill in the blank."))[0] == "blank_without_blank"
    assert blank_without_blank(*judged(rows, ["sentence"], "word", "Name the last word.")) is None
    masked = [{"sentence": f"The cat sat on the ___ {i}.", "word": f"mat{i}"} for i in range(4)]
    assert blank_without_blank(*judged(masked, ["sentence"], "word", "Fill in the blank.")) is None


def test_extra_task_comes_first_and_a_clean_task_passes():
    rows = [SampleRow({"a": "x"}, "x", "y")]
    task = TaskDesign("Fill in the blank.", ["a"], ["b"])
    assert strict_rule_broken(task, 4, rows)[0] == "extra_task"
    assert strict_rule_broken(TaskDesign("Rewrite.", ["a"], ["b"]), 3, rows) is None


REVIEWS = [{"review": f"review number {i} of the film", "label": "positive" if i % 2 else "negative",
            "label_name": "positive" if i % 2 else "negative", "url": f"https://x.org/{i}"} for i in range(10)]


def designs(tasks: list[tuple[list[str], str, str]]) -> list[dict]:
    base = {"dataset_id": "o/d", "config": "default", "task_name": "o/d", "prompt_kind": "aware",
            "designer": "openai", "designer_version": "1", "model": "m"}
    return [{**base, "position": p, "instruction": instruction, "input_fields": inputs, "output_field": [output]}
            for p, (inputs, output, instruction) in enumerate(tasks, start=1)]


TASKS = designs([(["review"], "label", "Is the review positive?"), (["review", "label_name"], "label", "Label it."),
                 (["review"], "url", "Give the page.")])


def test_paper_keeps_what_strict_rejects_and_rows_record_the_rule_set():
    paper = curate_source(source(REVIEWS), TASKS, "paper")
    strict = curate_source(source(REVIEWS), TASKS, "strict")
    assert len(paper.instructions) == 3 and paper.rejections == []
    assert [i["base_instruction"] for i in strict.instructions] == ["Is the review positive?"]
    assert [(r["rule"], r["position"]) for r in strict.rejections] == [
        ("output_leaked_in_input", 2), ("unsupported_target", 3)]
    assert {row["rule_set"] for row in [*paper.instructions]} == {"paper"}
    assert {row["rule_set"] for row in [*strict.instructions, *strict.rejections]} == {"strict"}


def test_an_unknown_rule_set_is_named():
    with pytest.raises(ValueError, match="'lenient'"):
        curate_source(source(REVIEWS), TASKS, "lenient")
