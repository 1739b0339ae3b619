"""Replace-by-partition writes: all tables of a dataset in one transaction, nothing lost on failure;
the schema DDL: once per process per database file, and on every new file or in-memory database."""

import re

import duckdb
import pytest

from dynosaur_assets import store
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import SCHEMA_FILE, apply_schema, connect_store, replace_partition

SCHEMA_TABLES = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA_FILE.read_text()))

SAMPLE = {"dataset_id": "a/b", "config": "default", "task_name": "a/b", "split": "train", "row": "{}"}


def test_a_failed_write_keeps_the_previous_rows_of_every_table():
    conn = duckdb.connect()
    apply_schema(conn)
    replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 0}]})
    with pytest.raises(duckdb.ConstraintException):  # NOT NULL row: the whole replacement rolls back
        replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 1}, SAMPLE | {"row_idx": 2, "row": None}]})
    assert conn.execute("SELECT row_idx FROM hub_samples").fetchall() == [(0,)]


def test_replacing_one_dataset_leaves_the_others():
    conn = duckdb.connect()
    apply_schema(conn)
    replace_partition(conn, "a/b", {"hub_samples": [SAMPLE | {"row_idx": 0}]})
    replace_partition(conn, "c/d", {"hub_samples": [SAMPLE | {"dataset_id": "c/d", "row_idx": 0}]})
    replace_partition(conn, "a/b", {"hub_samples": []})
    assert conn.execute("SELECT dataset_id FROM hub_samples").fetchall() == [("c/d",)]


@pytest.fixture
def schema_runs(monkeypatch) -> list[duckdb.DuckDBPyConnection]:
    """The connections `apply_schema` runs on (it still runs)."""
    runs: list[duckdb.DuckDBPyConnection] = []

    def counting(conn: duckdb.DuckDBPyConnection) -> None:
        runs.append(conn)
        apply_schema(conn)

    monkeypatch.setattr(store, "apply_schema", counting)
    return runs


def tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_the_schema_runs_once_per_file_across_connections_and_resources(tmp_path):
    database = str(tmp_path / "data" / "store.duckdb")
    with DynosaurDuckDB(database=database).get_connection() as conn:
        assert tables(conn) == SCHEMA_TABLES
        conn.execute("DROP TABLE quality_results")
    for resource in (DynosaurDuckDB(database=database), DynosaurDuckDB(database=database)):
        for _ in range(2):
            with resource.get_connection() as conn:
                assert tables(conn) == SCHEMA_TABLES - {"quality_results"}  # the DDL did not run again


def test_a_new_or_recreated_file_gets_the_schema(tmp_path, schema_runs):
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    connect_store(first).close()
    first.unlink()
    for path in (first, second):
        with connect_store(path) as conn:
            assert tables(conn) == SCHEMA_TABLES
    assert len(schema_runs) == 3


def test_every_in_memory_connection_gets_the_schema(schema_runs):
    resource = DynosaurDuckDB(database=":memory:")
    for _ in range(2):
        with resource.get_connection() as conn:
            assert tables(conn) == SCHEMA_TABLES
    assert len(schema_runs) == 2


def test_a_store_made_before_the_verb_columns_gets_them():
    conn = duckdb.connect()
    old = SCHEMA_FILE.read_text().split("ALTER TABLE instructions")[0]  # the DDL up to the migration
    conn.execute(old)
    conn.execute("INSERT INTO instructions (dataset_id, config, task_name, task_id, instruction, base_instruction,"
                 " input_fields, output_field, prompt_kind, designer, designer_version, instances)"
                 " VALUES ('a/b', 'default', 'a/b', 't1', 'Label it.', 'Label it.', ['x'], ['y'], 'aware', 'rules', '1', 1)")
    apply_schema(conn)
    assert conn.execute("SELECT task_id, verb, noun FROM instructions").fetchall() == [("t1", None, None)]
