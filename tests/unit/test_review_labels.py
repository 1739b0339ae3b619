"""bench/review_labels/labels.csv (issue 16's hand-labelled sample) and bench/review_sample.py, which
re-derives every labelled task from the Hubs and gpt-3.5's published tasks."""

import json
import re
import sys

import pytest

from locations import EMBEDDED_HUB, HUB_SNAPSHOT, PROJECT_ROOT, REFERENCE_TASKS

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from review_sample import (  # noqa: E402
    DESIGNERS,
    LABELS,
    Candidate,
    base_instruction,
    candidates,
    label_key,
    read_labels,
    summary_table,
)

ROWS = read_labels()
QUOTED_WORDS = 3


def words(text: str, n: int) -> set[tuple[str, ...]]:
    """Every run of `n` consecutive words of a text, lower-cased."""
    tokens = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def test_labels_cover_both_designers_in_the_four_categories():
    assert len(ROWS) >= 100
    assert len({row["item"] for row in ROWS}) == len(ROWS)
    assert {row["designer"] for row in ROWS} == set(DESIGNERS)
    assert {row["hub"] for row in ROWS} <= {"embedded", "hub-snapshot"}
    assert {row["label"] for row in ROWS} <= set(LABELS)
    for row in ROWS:
        assert row["note"].strip(), row["item"]
        assert re.fullmatch(r"[0-9a-f]{64}", row["instruction_sha256"]), row["item"]
        assert json.loads(row["input_fields"]) and len(json.loads(row["output_field"])) >= 1


def test_a_label_outside_the_four_categories_is_refused(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("item,designer,hub,task_name,input_fields,output_field,instruction_sha256,label,note\n"
                    'a1,rules,embedded,demo,"[""x""]","[""y""]",00,fine,ok\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels.csv:2: label 'fine' is not one of reasonable"):
        read_labels(path)


def test_wrong_columns_are_refused(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("item,label\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        read_labels(path)


def test_the_published_label_space_sentence_is_not_part_of_the_base_instruction():
    assert base_instruction("Rate it. Answers must be one of good, bad.") == "Rate it."
    assert base_instruction("Answer the question.") == "Answer the question."


def test_a_label_row_has_the_key_of_its_candidate():
    candidate = Candidate("gpt-3.5", "hub-snapshot", "glue-rte", ("sentence1", "sentence2"), ("label",),
                          "Decide.", "Decide. Answers must be one of a, b.", ("a", "b"), (), ())
    row = {"designer": "gpt-3.5", "hub": "hub-snapshot", "task_name": "glue-rte",
           "input_fields": '["sentence1","sentence2"]', "output_field": '["label"]',
           "instruction_sha256": candidate.instruction_sha256}
    assert label_key(row) == candidate.key
    assert re.fullmatch(r"[0-9a-f]{10}", candidate.item)


def test_summary_counts_labels_per_designer():
    rows = [{"designer": "rules", "label": "reasonable"}, {"designer": "rules", "label": "wrong_input"},
            {"designer": "gpt-3.5", "label": "wrong_output"}]
    table = summary_table(rows).splitlines()
    assert table[2] == "| rules | 2 | 1 | 1 | 0 | 0 | 50% |"
    assert table[3] == "| gpt-3.5 | 1 | 0 | 0 | 1 | 0 | 0% |"


@pytest.fixture(scope="module")
def pool() -> dict[tuple[str, ...], Candidate]:
    """Every task the sampler draws from, by key (../shared is beside every checkout, CI's included)."""
    for needed in (HUB_SNAPSHOT, REFERENCE_TASKS):
        assert needed.exists(), f"{needed} is missing: the labels are checked against ../shared"
    hubs = {"embedded Hub": EMBEDDED_HUB, "hub-snapshot": HUB_SNAPSHOT}
    return {c.key: c for c in candidates(hubs, REFERENCE_TASKS)}


def test_every_label_row_is_a_task_the_sampler_produces(pool):
    missing = [row["item"] for row in ROWS if label_key(row) not in pool]
    assert missing == []
    assert all(pool[label_key(row)].item == row["item"] for row in ROWS)


def test_notes_never_quote_a_published_instruction(pool):
    for row in ROWS:
        if row["designer"] == "gpt-3.5":
            instruction = pool[label_key(row)].base_instruction
            assert not words(row["note"], QUOTED_WORDS) & words(instruction, QUOTED_WORDS), row["item"]
