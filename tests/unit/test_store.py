"""Replace-by-partition writes: all tables of a dataset in one transaction, nothing lost on failure."""

import duckdb
import pytest

from dynosaur_assets.store import apply_schema, replace_partition

SAMPLE = {"dataset_id": "a/b", "config": "default", "task_name": "a/b", "split": "train", "row": "{}"}


def test_a_failed_write_keeps_the_previous_rows_of_every_table():
    conn = duckdb.connect()
    apply_schema(conn)
    replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 0}]})
    with pytest.raises(duckdb.ConstraintException):
        replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 1}, SAMPLE | {"row_idx": 1}]})
    assert conn.execute("SELECT row_idx FROM hub_samples").fetchall() == [(0,)]


def test_replacing_one_dataset_leaves_the_others():
    conn = duckdb.connect()
    apply_schema(conn)
    replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 0}]})
    replace_partition(conn, "c/d", {"hub_samples": [SAMPLE | {"dataset_id": "c/d", "row_idx": 0}]})
    replace_partition(conn, "a/b", {"hub_samples": []})
    assert conn.execute("SELECT dataset_id FROM hub_samples").fetchall() == [("c/d",)]
