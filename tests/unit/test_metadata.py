"""Materialization metadata: the per-dataset table of a run over several partitions."""

from dynosaur_assets.metadata import datasets_table, markdown_table


def test_datasets_table_lists_each_dataset_with_its_counts():
    table = datasets_table({"a/x": {"tasks": 3, "instances": 40}, "b/y": {"tasks": 0, "instances": 0}}).value
    assert table.splitlines() == [
        "| dataset_id | tasks | instances |", "|---|---|---|", "| a/x | 3 | 40 |", "| b/y | 0 | 0 |",
    ]


def test_datasets_table_counts_what_it_leaves_out():
    table = datasets_table({f"d/{i}": {"tasks": i} for i in range(5)}, limit=2).value
    assert "| d/1 | 1 |" in table and "| d/2 |" not in table
    assert table.endswith("_3 more datasets: query the tables by dataset_id_")


def test_markdown_table_escapes_pipes_and_cuts_long_cells():
    table = markdown_table([{"a": "x|y", "b": "z" * 200}], ["a", "b"])
    row = table.splitlines()[2]
    assert "x\\|y" in row and row.endswith("… |") and len(row) < 120
