"""Steps 3-4 for one config, from `task_designs` rows to instructions, rejections and instances."""

from dynosaur_assets.curate.curation import curate_source, replies_from_designs
from dynosaur_assets.design.parse import parse_response
from dynosaur_assets.design.replies import DesignReply, design_rows
from dynosaur_assets.tasks import TaskSource

ROWS = [{"review": f"review {i}", "label": "pos" if i % 2 else "neg", "stars": "5"} for i in range(10)]
SOURCE = TaskSource("o/reviews", "default", "o/reviews", {}, ROWS, "Reviews.", "mit", "https://x.org")


def rows_for(kind: str, text: str) -> list[dict]:
    return design_rows(SOURCE, DesignReply(kind, parse_response(text), "openai", "1", "m", "h"))


def test_unparsed_reply_is_one_unparseable_rejection_and_the_other_kind_still_counts():
    designs = rows_for("aware", "Sorry, I cannot help.") + rows_for(
        "unaware",
        '{"task1": {"instruction": "Is the review positive?", "input_fields": ["review"], "output_field": ["label"]},'
        ' "task2": {"instruction": "Guess the stars.", "input_fields": ["review"], "output_field": ["stars"]},'
        ' "task3": {"instruction": "Copy.", "input_fields": ["review"], "output_field": ["review"]}}',
    )
    assert replies_from_designs(designs)["aware"].error == "no_dict_found"
    curation = curate_source(SOURCE, designs)
    assert [(r["prompt_kind"], r["rule"]) for r in curation.rejections] == [
        ("aware", "unparseable"),
        ("unaware", "input_output_overlap"),
        ("unaware", "constant_output"),
    ]
    [instruction] = curation.instructions
    assert instruction["instruction"] == "Is the review positive? Answers must be one of neg, pos."
    assert len(curation.samples) == instruction["instances"] == 10
    assert curation.samples[1] | {} == {
        "dataset_id": "o/reviews", "config": "default", "task_id": instruction["task_id"], "instance_idx": 1,
        "instruction": instruction["instruction"], "input": "review 1", "output": "pos",
        "license": "mit", "website": "https://x.org", "taskname": "o/reviews",
    }


def test_an_empty_reply_from_the_llm_is_unparseable():
    curation = curate_source(SOURCE, rows_for("unaware", "{}"))
    assert [r["rule"] for r in curation.rejections] == ["unparseable"]
    assert curation.instructions == []
