"""The export's pure parts on hand-made frames: options (presets, errors, hash), filters, the
conversational form and the dataset card."""

import polars as pl
import pytest
import yaml

from dynosaur_assets.export.card import CardFacts, build_card, size_category, source_table
from dynosaur_assets.export.filters import apply_filters, limit_per_task
from dynosaur_assets.export.formats import file_names, messages_rows
from dynosaur_assets.export.options import COMMERCIAL_LICENSES, ExportOptions, ExportOptionsError, split_list


def corpus(rows: list[tuple]) -> pl.DataFrame:
    """A frame with export/read.py's columns from (dataset, task, idx, licence, designer, categories)."""
    return pl.DataFrame([{
        "dataset_id": d, "config": "default", "task_id": t, "instance_idx": i, "instruction": f"do {t}",
        "input": f"{d} {t} {i}", "output": f"out {i}", "license": lic, "website": f"https://{d}.org",
        "taskname": d, "designer": designer, "model": "gpt-x" if designer == "openai" else None,
        "source_license": lic, "task_categories": categories, "verdict": None, "verdict_source": "not_reviewed",
    } for d, t, i, lic, designer, categories in rows], schema_overrides={"verdict": pl.String})


FRAME = corpus(
    [("a/mit", "t1", i, "mit", "rules", ["text-classification"]) for i in (2, 0, 1)]
    + [("b/nc", "t1", i, "cc-by-nc-4.0", "openai", ["summarization"]) for i in range(2)]
    + [("c/apache", "t9", 0, "apache-2.0", "openai", [])]
)


def kept(options: ExportOptions) -> list[tuple]:
    return apply_filters(FRAME, options).select("dataset_id", "instance_idx").rows()


def test_the_commercial_preset_expands_and_keeps_no_nc_nd_or_unknown_licence():
    options = ExportOptions.build("x", ["Commercial", "my-own"])
    assert options.licenses == COMMERCIAL_LICENSES | {"my-own"}
    assert not any("-nc" in lic or "-nd" in lic for lic in COMMERCIAL_LICENSES)
    assert not {"other", "unknown", "openrail"} & COMMERCIAL_LICENSES
    assert {"mit", "apache-2.0", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0"} <= COMMERCIAL_LICENSES


@pytest.mark.parametrize("kwargs, words", [
    ({"name": "../up"}, "export name"), ({"name": "latest"}, "export name"), ({"name": ""}, "export name"),
    ({"min_per_task": -1}, "must be 0 or more"), ({"min_per_task": 5, "max_per_task": 2}, "above the max"),
])
def test_bad_options_are_refused_naming_the_option(kwargs, words):
    with pytest.raises(ExportOptionsError, match=words):
        ExportOptions(**kwargs)


def test_the_options_hash_depends_on_the_filters_not_the_name_or_their_order():
    assert ExportOptions.build("a", ["mit", "cc0-1.0"]).digest() == ExportOptions.build("b", ["cc0-1.0", "mit"]).digest()
    assert ExportOptions.build("a", ["mit"]).digest() != ExportOptions.build("a", ["mit"], max_per_task=3).digest()
    chosen = ExportOptions(task_ids=frozenset({("a/mit", "t1")}))
    assert chosen.digest() != ExportOptions(task_ids=frozenset({("b/nc", "t1")})).digest()
    assert split_list(" mit, ,cc0-1.0 ") == ["mit", "cc0-1.0"]


def test_no_filter_keeps_every_row_in_order():
    assert apply_filters(FRAME, ExportOptions()).equals(FRAME)


def test_row_filters():
    assert {d for d, _ in kept(ExportOptions.build("x", ["commercial"]))} == {"a/mit", "c/apache"}
    assert {d for d, _ in kept(ExportOptions.build("x", task_categories=["summarization"]))} == {"b/nc"}
    assert {d for d, _ in kept(ExportOptions.build("x", designers=["openai"]))} == {"b/nc", "c/apache"}
    assert kept(ExportOptions(task_ids=frozenset({("c/apache", "t9"), ("a/mit", "t9")}))) == [("c/apache", 0)]


def test_per_task_limits_drop_small_tasks_and_keep_the_first_instances_by_index():
    assert {d for d, _ in kept(ExportOptions(min_per_task=2))} == {"a/mit", "b/nc"}
    assert sorted(kept(ExportOptions(max_per_task=2))) == [("a/mit", 0), ("a/mit", 1), ("b/nc", 0), ("b/nc", 1),
                                                           ("c/apache", 0)]
    assert limit_per_task(FRAME, 3, 1).select("dataset_id", "instance_idx").rows() == [("a/mit", 0)]


def test_the_conversational_form_maps_instruction_input_output_to_system_user_assistant():
    first = messages_rows(FRAME).row(0, named=True)
    assert first["messages"] == [{"role": "system", "content": "do t1"}, {"role": "user", "content": "a/mit t1 2"},
                                 {"role": "assistant", "content": "out 2"}]
    assert (first["license"], first["taskname"]) == ("mit", "a/mit")


def test_size_categories():
    assert [size_category(n) for n in (0, 999, 1000, 100_000, 5_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "100K<n<1M", "1M<n<10M"]


def test_the_card_lists_every_source_with_its_licence_url_and_count_and_configs_for_each_file():
    facts = CardFacts("demo", 42, ExportOptions.build("demo", ["mit", "apache-2.0"], max_per_task=9),
                      file_names("demo"), 0.25, 1.5)
    card = build_card(FRAME, facts)
    header = yaml.safe_load(card.split("---")[1])
    assert header["license"] == ["apache-2.0", "cc-by-nc-4.0", "mit"]
    assert header["size_categories"] == ["n<1K"]
    assert [(c["config_name"], c["data_files"][0]["path"]) for c in header["configs"]] == [
        ("default", "demo.jsonl"), ("messages", "demo_messages.jsonl")]
    for dataset_id, licence, count in [("a/mit", "mit", 3), ("b/nc", "cc-by-nc-4.0", 2), ("c/apache", "apache-2.0", 1)]:
        line = next(line for line in card.splitlines() if line.startswith(f"| {dataset_id} |"))
        assert f"| {licence} | https://huggingface.co/datasets/{dataset_id} | https://{dataset_id}.org |" in line
        assert line.endswith(f"| {count} |")
    assert "snapshot **42**" in card and "$0.2500" in card and "$1.5000" in card
    assert "| rules | none | 1 | 3 |" in card and "| openai | gpt-x | 2 | 3 |" in card
    assert "| licenses | apache-2.0, mit |" in card and "| max_instances_per_task | 9 |" in card
    assert source_table(FRAME)["instances"].sum() == FRAME.height
