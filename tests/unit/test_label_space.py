"""docs/method.md §4 label space: non-scalar, constant and imbalanced outputs, and the suffix."""

from collections import Counter

import pytest

from dynosaur_assets.curate.label_space import check_label_space, is_balanced, output_values, with_label_space
from dynosaur_assets.tasks import TaskDesign

TASK = TaskDesign("Decide whether the two sentences mean the same.", ["s1", "s2"], ["label"])


def rows(*counts: tuple[object, int]) -> list[dict]:
    return [{"s1": "a", "s2": "b", "label": value} for value, count in counts for _ in range(count)]


def test_balanced_binary_at_70_of_100_keeps_and_adds_suffix():
    verdict = check_label_space(TASK, rows(("not_equivalent", 70), ("equivalent", 30)))
    assert (verdict.kept, verdict.rule, verdict.labels) == (True, "", ("not_equivalent", "equivalent"))
    assert verdict.instruction == (
        "Decide whether the two sentences mean the same. Answers must be one of not_equivalent, equivalent."
    )


def test_binary_at_71_of_100_is_imbalanced():
    verdict = check_label_space(TASK, rows(("yes", 71), ("no", 29)))
    assert (verdict.kept, verdict.rule, verdict.instruction) == (False, "imbalanced_labels", TASK.instruction)
    assert verdict.detail == "'yes' in 71 of 100 rows"


def test_multi_class_at_50_of_100_keeps():
    verdict = check_label_space(TASK, rows(("a", 50), ("b", 25), ("c", 25)))
    assert verdict.kept and verdict.instruction.endswith(" Answers must be one of a, b, c.")


def test_multi_class_at_51_of_100_is_imbalanced():
    verdict = check_label_space(TASK, rows(("a", 51), ("b", 25), ("c", 24)))
    assert (verdict.kept, verdict.rule) == (False, "imbalanced_labels")


@pytest.mark.parametrize("majority, kept", [(7, True), (8, False)])
def test_limits_scale_to_the_rows_seen(majority, kept):
    assert check_label_space(TASK, rows(("yes", majority), ("no", 10 - majority))).kept is kept


def test_constant_output_is_dropped():
    verdict = check_label_space(TASK, rows(("same", 12)))
    assert (verdict.kept, verdict.rule, verdict.labels) == (False, "constant_output", ("same",))


def test_labels_longer_than_15_characters_keep_the_task_without_suffix():
    verdict = check_label_space(TASK, rows(("a rather long label", 5), ("short", 5)))
    assert (verdict.kept, verdict.instruction) == (True, TASK.instruction)
    assert verdict.labels == ("a rather long label", "short")


@pytest.mark.parametrize("value", [["a", "b"], {"text": "a"}, None])
def test_non_scalar_output_is_dropped(value):
    data = rows(("a", 5), ("b", 5)) + [{"s1": "a", "s2": "b", "label": value}]
    verdict = check_label_space(TASK, data)
    assert (verdict.kept, verdict.rule) == (False, "non_scalar_output")


def test_missing_output_key_reads_as_null():
    assert check_label_space(TASK, [*rows(("a", 2), ("b", 2)), {"s1": "a"}]).rule == "non_scalar_output"


def test_more_than_ten_values_keep_the_task_without_labels():
    verdict = check_label_space(TASK, [{"label": f"value {i}"} for i in range(11)])
    assert (verdict.kept, verdict.instruction, verdict.labels) == (True, TASK.instruction, ())


def test_only_the_first_100_rows_count():
    data = rows(("a", 50), ("b", 50), ("a", 400))
    assert len(output_values(TASK, data)) == 100
    assert check_label_space(TASK, data).kept


def test_values_compare_as_stripped_strings():
    verdict = check_label_space(TASK, rows((True, 2), (" True ", 1), (False, 3)))
    assert verdict.labels == ("True", "False")
    assert verdict.instruction.endswith("Answers must be one of True, False.")


def test_no_rows_means_no_output_values():
    assert check_label_space(TASK, []).rule == "no_output_values"


def test_only_the_first_output_field_is_used():
    task = TaskDesign("Label it.", ["s1"], ["label", "s2"])
    assert check_label_space(task, rows(("x", 3), ("y", 3))).labels == ("x", "y")


def test_suffix_joins_in_the_published_format():
    assert with_label_space("Is it so? ", ("Yes", "No")) == "Is it so? Answers must be one of Yes, No."


def test_is_balanced_limits():
    assert is_balanced(Counter(a=70, b=30), 100)
    assert is_balanced(Counter(a=50, b=26, c=24), 100)
    assert not is_balanced(Counter(a=51, b=25, c=24), 100)
