"""The Great Expectations suites in expectations/ and dynosaur_assets.quality (suites, helper columns,
outcomes).

One good hand-made frame per table validates fully; for every critical expectation one planted bad row
fails exactly that expectation and is named in its unexpected_examples; warning defects fail with
severity warn. No suite expects what sql/schema.sql enforces on insert.
"""

import hashlib
import json
import subprocess
import sys
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.method import DISALLOWED_LICENSES
from dynosaur_assets.quality.helper_columns import ROW_NUMBER, prepare_frame
from dynosaur_assets.quality.outcomes import ExpectationOutcome, quality_rows
from dynosaur_assets.quality.suites import EXPECTATIONS_DIR, TABLES, load_suite, suite_json, validate_frame
from dynosaur_assets.store import SCHEMA_FILE, apply_schema, insert_rows

NOW = datetime(2026, 11, 25, 12, 0, 0)
MRPC_FIELDS = ["sentence1", "sentence2", "label", "idx"]
LABEL_BASE = "Decide whether the two sentences are paraphrases."
LABELS = ["equivalent", "not_equivalent"]
GEN_BASE = "Write a sentence that paraphrases the given one."


# ---------------------------------------------------------------------------------------------------
# Good frames, one per table (columns as sql/schema.sql declares them)


def hub_datasets() -> pd.DataFrame:
    base = {
        "dataset_id": "glue", "languages": ["en"], "multilinguality": "english",
        "task_categories": ["text-classification"], "task_ids": ["semantic-similarity-classification"],
        "pretty_name": "GLUE", "description": "General Language Understanding Evaluation.",
        "supported_tasks": None, "data_fields": None, "features": json.dumps({"label": {"_type": "ClassLabel"}}),
        "splits": ["train", "validation"], "website": "https://gluebenchmark.com", "error": None,
        "source": "local", "ingested_at": NOW,
    }
    return pd.DataFrame([
        {**base, "config": "mrpc", "task_name": "glue-mrpc", "license": "cc-by-4.0", "field_names": MRPC_FIELDS,
         "keep": True, "drop_reason": None, "sample_rows": 200},
        {**base, "config": "cola", "task_name": "glue-cola", "license": "cc-by-4.0",
         "field_names": ["sentence", "label", "idx"], "keep": True, "drop_reason": None, "sample_rows": 200},
        # dropped rows may break every kept-row rule: the conditions on keep must skip them
        {**base, "config": "ax", "task_name": "glue-ax", "license": "other", "field_names": ["image"],
         "multilinguality": "multilingual", "keep": False, "drop_reason": "disallowed_license", "sample_rows": 0},
    ])


def hub_samples() -> pd.DataFrame:
    rows = [("train", 0, "equivalent"), ("train", 1, "not_equivalent"), ("validation", 0, "equivalent")]
    return pd.DataFrame([
        {"dataset_id": "glue", "config": "mrpc", "task_name": "glue-mrpc", "split": split, "row_idx": idx,
         "row": json.dumps({"sentence1": f"a{idx}", "sentence2": f"b{idx}", "label": label, "idx": idx})}
        for split, idx, label in rows
    ])


def task_designs() -> pd.DataFrame:
    base = {"dataset_id": "glue", "config": "mrpc", "task_name": "glue-mrpc", "designer": "openai",
            "designer_version": "1", "model": "gpt-4o-mini", "request_hash": "h1", "proposal": None,
            "raw_text": None, "parse_error": None, "parse_detail": None}
    return pd.DataFrame([
        {**base, "prompt_kind": "aware", "position": 1, "instruction": LABEL_BASE,
         "input_fields": ["sentence1", "sentence2"], "output_field": ["label"]},
        {**base, "prompt_kind": "aware", "position": 2, "instruction": GEN_BASE,
         "input_fields": ["sentence1"], "output_field": ["sentence2"]},
        {**base, "prompt_kind": "unaware", "position": 0, "instruction": None, "input_fields": None,
         "output_field": None, "raw_text": "{'task1': ", "parse_error": "syntax_error", "request_hash": "h2"},
    ])


def instructions() -> pd.DataFrame:
    base = {"dataset_id": "glue", "config": "mrpc", "task_name": "glue-mrpc", "prompt_kind": "aware",
            "designer": "openai", "designer_version": "1", "model": "gpt-4o-mini", "skipped_rows": "{}",
            "rule_set": "strict"}
    return pd.DataFrame([
        {**base, "task_id": "t1", "base_instruction": LABEL_BASE,
         "instruction": LABEL_BASE + " Answers must be one of equivalent, not_equivalent.",
         "input_fields": ["sentence1", "sentence2"], "output_field": ["label"], "labels": LABELS, "instances": 3},
        {**base, "task_id": "t2", "base_instruction": GEN_BASE, "instruction": GEN_BASE,
         "input_fields": ["sentence1"], "output_field": ["sentence2"], "labels": [], "instances": 3},
    ])


def task_rejections() -> pd.DataFrame:
    base = {"dataset_id": "glue", "config": "mrpc", "task_name": "glue-mrpc", "designer": "openai",
            "designer_version": "1", "model": "gpt-4o-mini", "detail": None, "rule_set": "strict"}
    return pd.DataFrame([
        {**base, "prompt_kind": "unaware", "position": 0, "rule": "unparseable", "instruction": None,
         "input_fields": None, "output_field": None},
        {**base, "prompt_kind": "aware", "position": 3, "rule": "input_output_overlap",
         "instruction": "Copy the label.", "input_fields": ["label"], "output_field": ["label"]},
        {**base, "prompt_kind": "unaware", "position": 1, "rule": "constant_output",
         "instruction": "Give the index.", "input_fields": ["sentence1"], "output_field": ["idx"]},
    ])


def instruction_samples() -> pd.DataFrame:
    base = {"dataset_id": "glue", "config": "mrpc", "license": "cc-by-4.0", "website": "https://gluebenchmark.com",
            "taskname": "glue-mrpc"}
    label_instruction = LABEL_BASE + " Answers must be one of equivalent, not_equivalent."
    return pd.DataFrame([
        {**base, "task_id": "t1", "instance_idx": 0, "instruction": label_instruction,
         "input": "sentence1 is 'a0'. sentence2 is 'b0'. ", "output": "equivalent"},
        {**base, "task_id": "t1", "instance_idx": 1, "instruction": label_instruction,
         "input": "sentence1 is 'a1'. sentence2 is 'b1'. ", "output": "not_equivalent"},
        {**base, "task_id": "t2", "instance_idx": 0, "instruction": GEN_BASE, "input": "a0", "output": "b0"},
    ])


def unit_vector(seed: int, dim: int = 384) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def instruction_embeddings() -> pd.DataFrame:
    return pd.DataFrame([
        {"instruction_hash": sha(text), "model": "sentence-transformers/all-MiniLM-L6-v2", "instruction": text,
         "embedding": unit_vector(i), "dataset_id": "glue", "created_at": NOW}
        for i, text in enumerate([LABEL_BASE, GEN_BASE])
    ])


def llm_calls() -> pd.DataFrame:
    prices = PriceTable()
    rows = []
    for i, (kind, prompt, cached, completion) in enumerate([("aware", 900, 0, 120), ("unaware", 700, 512, 90)]):
        rows.append({
            "request_hash": f"h{i + 1}", "model": "gpt-4o-mini", "prompt_kind": kind, "dataset_id": "glue",
            "task_name": "glue-mrpc", "response_text": "{'task1': {}}", "finish_reason": "stop",
            "prompt_tokens": prompt, "completion_tokens": completion, "cached_tokens": cached,
            "cost_usd": prices.call_cost("gpt-4o-mini", prompt, cached, completion), "latency_s": 1.2,
            "error": None, "attempts": 1, "response_format": None, "created_at": NOW,
        })
    return pd.DataFrame(rows)


GOOD = {
    "hub_datasets": hub_datasets,
    "hub_samples": hub_samples,
    "task_designs": task_designs,
    "instructions": instructions,
    "task_rejections": task_rejections,
    "instruction_samples": instruction_samples,
    "instruction_embeddings": instruction_embeddings,
    "llm_calls": llm_calls,
}


def context_for(table: str) -> dict | None:
    """Cross-table context: field names and instances for instructions."""
    if table == "instructions":
        return {"hub_datasets": hub_datasets(), "instruction_samples": instruction_samples()}
    return None


# ---------------------------------------------------------------------------------------------------
# Planted defects: (suite, expectation meta.name) -> a function of the good frame returning
# (bad frame, row number of the planted row)


def set_cell(at: int, /, **values):
    def plant(df: pd.DataFrame):
        df = df.copy()
        for column, value in values.items():
            df[column] = df[column].astype(object)
            df.at[df.index[at], column] = value
        return df, at

    return plant


def duplicate(at: int, /, **changes):
    """Append a copy of row `at` (with `changes`): the copy is the planted row."""
    def plant(df: pd.DataFrame):
        copy = df.iloc[[at]].copy()
        for column, value in changes.items():
            copy[column] = [value]
        return pd.concat([df, copy], ignore_index=True), len(df)

    return plant


def blank(column: str, at: int = 1):
    return set_cell(at, **{column: "  "})


ERROR_DEFECTS = {
    "hub_datasets": {
        "primary_key_unique": duplicate(0),  # the key DuckLake does not enforce
        "dataset_id_not_blank": blank("dataset_id"),
        "config_not_blank": blank("config"),
        "task_name_not_blank": blank("task_name"),
        "drop_reason_null_when_kept": set_cell(0, drop_reason="no_rows"),
        "drop_reason_set_when_dropped": set_cell(2, drop_reason=None),
        "license_present_when_kept": set_cell(0, license=None),
        "license_allowed_when_kept": set_cell(1, license="cc-by-nc-nd-4.0"),
        "english_when_kept": set_cell(0, multilinguality="multilingual"),
        "sample_rows_when_kept": set_cell(0, sample_rows=0),
        "field_count_when_kept": set_cell(1, field_names=["text"]),
        "media_field_free": set_cell(0, field_names=["image_path", "caption"]),
    },
    "hub_samples": {
        "primary_key_unique": duplicate(2),  # the key DuckLake does not enforce
        "dataset_id_not_blank": blank("dataset_id"),
        "config_not_blank": blank("config"),
        "task_name_not_blank": blank("task_name"),
        "split_sampled": set_cell(1, split="test"),
        "row_is_object": set_cell(2, row="[1, 2]"),
    },
    "task_designs": {
        "primary_key_unique": duplicate(0, instruction="Another instruction."),  # the key DuckLake does not enforce
        "dataset_id_not_blank": blank("dataset_id"),
        "config_not_blank": blank("config"),
        "task_name_not_blank": blank("task_name"),
        "prompt_kind_known": set_cell(0, prompt_kind="both"),
        "parse_error_set_when_unparsed": set_cell(2, parse_error=None),
        "parse_error_null_when_parsed": set_cell(1, parse_error="syntax_error"),
        "instruction_present_when_parsed": set_cell(1, instruction=None),
        "position_non_negative": set_cell(1, position=-1),
    },
    "instructions": {
        "primary_key_unique": duplicate(1),  # the key DuckLake does not enforce
        "dataset_id_not_blank": blank("dataset_id"),
        "config_not_blank": blank("config"),
        "task_name_not_blank": blank("task_name"),
        "task_id_not_blank": blank("task_id"),
        "instruction_not_blank": blank("instruction"),
        "base_instruction_not_blank": blank("base_instruction"),
        "prompt_kind_known": set_cell(0, prompt_kind="both"),
        "fields_disjoint": set_cell(0, output_field=["sentence2"]),
        "fields_known": set_cell(1, input_fields=["sentence3"]),
        "output_field_present": set_cell(1, output_field=[]),
        "label_space_at_most_10": set_cell(1, labels=[f"v{i}" for i in range(11)]),
        "suffix_matches_labels": set_cell(1, instruction=GEN_BASE + " Answers must be one of yes, no."),
        "has_instances": set_cell(0, instances=0),
        "rule_set_known": set_cell(1, rule_set="lenient"),
    },
    "task_rejections": {
        "dataset_id_not_blank": blank("dataset_id"),
        "config_not_blank": blank("config"),
        "rule_known": set_cell(2, rule="too_long"),
        "prompt_kind_known": set_cell(1, prompt_kind="both"),
        "rule_set_known": set_cell(0, rule_set="lenient"),
    },
    "instruction_samples": {
        "primary_key_unique": duplicate(0, input="another input"),  # the key DuckLake does not enforce
        "dataset_id_not_blank": blank("dataset_id"),
        "task_id_not_blank": blank("task_id"),
        "instruction_not_blank": blank("instruction"),
        "input_not_blank": blank("input"),
        "taskname_not_blank": blank("taskname"),
        "input_at_most_2000_chars": set_cell(2, input="x" * 2001),
        "output_at_most_2000_chars": set_cell(2, output="y" * 2001),
        "license_present": set_cell(1, license=None),
        "license_allowed": set_cell(1, license="ofl"),
    },
    "instruction_embeddings": {
        "primary_key_unique": duplicate(0),  # the key DuckLake does not enforce
        "embedding_dim_384": set_cell(1, embedding=unit_vector(7, 383)),
        "model_not_blank": blank("model"),
        "instruction_not_blank": set_cell(1, instruction=" ", instruction_hash=sha(" ")),
        "embedding_finite": set_cell(1, embedding=np.full(384, np.nan, dtype=np.float32)),
        "embedding_unit_norm": set_cell(0, embedding=unit_vector(0) * 2),
        "hash_matches": set_cell(1, instruction_hash=sha("something else")),
    },
    "llm_calls": {
        "primary_key_unique": duplicate(0),  # the key DuckLake does not enforce
        "request_hash_not_blank": blank("request_hash"),
        "prompt_tokens_non_negative": set_cell(0, prompt_tokens=-1),
        "completion_tokens_non_negative": set_cell(1, completion_tokens=-5),
        "cached_tokens_non_negative": set_cell(1, cached_tokens=-1),
        "cost_non_negative": set_cell(0, cost_usd=-0.01),
    },
}

WARN_DEFECTS = [
    ("hub_datasets", "source_known", set_cell(1, source="s3")),
    ("hub_datasets", "task_name_consistent", set_cell(0, task_name="mrpc")),
    ("hub_samples", "row_idx_in_range", set_cell(1, row_idx=150)),
    ("task_designs", "at_most_three_tasks", set_cell(1, position=4)),
    ("instructions", "input_fields_present", set_cell(1, input_fields=[])),
    ("instructions", "outputs_within_labels",
     set_cell(0, labels=["equivalent", "other"], instruction=LABEL_BASE + " Answers must be one of equivalent, other.")),
    ("task_rejections", "instruction_present_unless_unparseable", set_cell(2, instruction=None)),
    ("instruction_samples", "output_not_blank", set_cell(2, output="")),
    ("instruction_samples", "instance_unique_in_dataset", duplicate(0, instance_idx=7)),
    ("llm_calls", "cost_consistent", set_cell(0, cost_usd=1.0)),
]


def error_names(table: str) -> list[str]:
    return [e["meta"]["name"] for e in suite_json(table)["expectations"] if e["severity"] == "critical"]


ERROR_CASES = [(table, name) for table in TABLES for name in error_names(table)]


# ---------------------------------------------------------------------------------------------------
# Tests


def failed(outcomes: list[ExpectationOutcome]) -> list[ExpectationOutcome]:
    return [o for o in outcomes if not o.success]


def test_every_table_has_a_suite_file():
    assert sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")) == sorted(TABLES)


@pytest.mark.parametrize("path", sorted(EXPECTATIONS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_suite_file_loads_through_gx(path):
    import great_expectations as gx

    data = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**data)
    assert suite.name == path.stem
    assert len(suite.expectations) == len(data["expectations"]) >= 3
    assert suite.to_json_dict()["expectations"] == data["expectations"]  # the file is GX's own form
    assert load_suite(path.stem).name == path.stem
    names = [e["meta"]["name"] for e in data["expectations"]]
    assert len(names) == len(set(names))
    assert {e["severity"] for e in data["expectations"]} <= {"critical", "warning"}
    assert data["meta"]["notes"] and data["meta"]["row_key"]


def schema_constraints() -> tuple[set[tuple[str, str]], set[tuple[str, tuple[str, ...]]]]:
    """(table, column) declared NOT NULL and (table, key columns) declared PRIMARY KEY in sql/schema.sql."""
    conn = duckdb.connect()
    conn.execute(SCHEMA_FILE.read_text())
    not_null = {(t, c) for t, c in conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT is_nullable").fetchall()}
    keys = {(t, tuple(cols)) for t, cols in conn.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()}
    return not_null, keys


@pytest.mark.parametrize("table", TABLES)
def test_no_expectation_restates_what_the_schema_enforces(table):
    """DuckDB rejects a null in a NOT NULL column and a repeated primary key on insert, so such
    expectations could never fail on the stored rows."""
    not_null, keys = schema_constraints()
    assert any(t == table for t, _ in not_null)  # the schema was read
    for expectation in suite_json(table)["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_column_values_to_not_be_null":
            assert (table, kwargs["column"]) not in not_null, expectation["meta"]["name"]
        if expectation["type"] in ("expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"):
            columns = tuple(kwargs.get("column_list") or [kwargs["column"]])
            assert not any(t == table and set(key) <= set(columns) for t, key in keys), expectation["meta"]["name"]


@pytest.mark.parametrize("table", TABLES)
def test_good_frame_validates(table):
    outcomes = validate_frame(table, GOOD[table](), context_for(table))
    assert [o.name for o in outcomes] == [e["meta"]["name"] for e in suite_json(table)["expectations"]]
    assert failed(outcomes) == [], [(o.name, o.observed_value, o.unexpected_examples) for o in failed(outcomes)]
    json.dumps([o.to_dict() for o in outcomes])


@pytest.mark.parametrize("table", TABLES)
def test_empty_frame_validates(table):
    outcomes = validate_frame(table, GOOD[table]().iloc[0:0])
    assert outcomes and all(o.success for o in outcomes)


def test_every_error_expectation_has_a_planted_defect():
    assert {(t, n) for t, n in ERROR_CASES} == {(t, n) for t in ERROR_DEFECTS for n in ERROR_DEFECTS[t]}


@pytest.mark.parametrize("table,name", ERROR_CASES, ids=[f"{t}-{n}" for t, n in ERROR_CASES])
def test_planted_error_fails_exactly_its_expectation(table, name):
    bad, row = ERROR_DEFECTS[table][name](GOOD[table]())
    outcomes = validate_frame(table, bad, context_for(table))
    assert [o.name for o in failed(outcomes)] == [name], [(o.name, o.unexpected_examples) for o in failed(outcomes)]
    [outcome] = failed(outcomes)
    assert outcome.severity == "error"
    assert outcome.unexpected_count and outcome.unexpected_count >= 1
    assert row in [example[ROW_NUMBER] for example in outcome.unexpected_examples]
    named = next(e for e in outcome.unexpected_examples if e[ROW_NUMBER] == row)
    assert set(suite_json(table)["meta"]["row_key"]) <= set(named)  # the row key names the row
    json.dumps(outcome.to_dict())


@pytest.mark.parametrize("table,name,plant", WARN_DEFECTS, ids=[f"{t}-{n}" for t, n, _ in WARN_DEFECTS])
def test_warn_defect_fails_with_severity_warn(table, name, plant):
    bad, row = plant(GOOD[table]())
    outcomes = validate_frame(table, bad, context_for(table))
    assert [(o.name, o.severity) for o in failed(outcomes)] == [(name, "warn")]
    assert row in [example[ROW_NUMBER] for example in failed(outcomes)[0].unexpected_examples]


def test_cross_table_helpers_are_null_without_their_context():
    frame = prepare_frame("instructions", instructions())  # no hub_datasets, no instruction_samples
    assert frame["fields_known"].isna().all() and frame["outputs_within_labels"].isna().all()
    assert frame["fields_disjoint"].tolist() == [True, True]
    assert frame["suffix_matches_labels"].tolist() == [True, True]
    prepared = prepare_frame("instructions", instructions(), context_for("instructions"))
    assert prepared["fields_known"].tolist() == [True, True]
    assert prepared["outputs_within_labels"].tolist() == [True, None]  # t2 has no label space


def records(df: pd.DataFrame) -> list[dict]:
    """Dict rows with None for missing scalars (pandas 3 string columns hold NaN)."""
    return [{k: None if isinstance(v, float) and np.isnan(v) else v for k, v in row.items()}
            for row in df.to_dict("records")]


def test_frames_read_back_from_the_schema_validate():
    """The good frames fit sql/schema.sql, and what DuckDB hands back (numpy arrays for VARCHAR[] and
    FLOAT[384], JSON as text) goes through the same helpers and validates."""
    conn = duckdb.connect()
    apply_schema(conn)
    for table, make in GOOD.items():
        insert_rows(conn, table, records(make()))
    read = {table: conn.execute(f"SELECT * FROM {table}").df() for table in TABLES}
    for table in TABLES:
        context = {"hub_datasets": read["hub_datasets"], "instruction_samples": read["instruction_samples"]}
        outcomes = validate_frame(table, read[table], context if table == "instructions" else None)
        assert failed(outcomes) == [], (table, failed(outcomes))
    assert prepare_frame("instructions", read["instructions"], {"hub_datasets": read["hub_datasets"]})[
        "fields_known"].tolist() == [True, True]


def test_loading_the_definitions_does_not_import_gx():
    """A code server, a sensor tick or an empty partition does not pay Great Expectations' import."""
    code = ("import sys, pandas, dynosaur_assets.definitions, dynosaur_assets.quality.suites as q; "
            "q.validate_frame('hub_samples', pandas.DataFrame()); print('great_expectations' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_licences_and_rules_match_the_code():
    from dynosaur_assets.curate.label_space import LABEL_SPACE_RULES
    from dynosaur_assets.curate.strict_rules import RULE_SETS, STRICT_RULES
    from dynosaur_assets.curate.validity import REJECTION_RULES
    from dynosaur_assets.method import PROMPT_KINDS

    def kwargs(table, name):
        return next(e["kwargs"] for e in suite_json(table)["expectations"] if e["meta"]["name"] == name)

    assert set(kwargs("hub_datasets", "license_allowed_when_kept")["value_set"]) == DISALLOWED_LICENSES
    assert set(kwargs("instruction_samples", "license_allowed")["value_set"]) == DISALLOWED_LICENSES
    assert set(kwargs("task_rejections", "rule_known")["value_set"]) == {
        *REJECTION_RULES, *LABEL_SPACE_RULES, "no_instances", *STRICT_RULES}
    for table in ("task_rejections", "instructions"):
        assert kwargs(table, "rule_set_known")["value_set"] == list(RULE_SETS)
    assert set(kwargs("task_designs", "prompt_kind_known")["value_set"]) == set(PROMPT_KINDS)


def test_quality_rows_fit_the_quality_results_table():
    bad, _ = ERROR_DEFECTS["instructions"]["fields_disjoint"](instructions())
    outcomes = validate_frame("instructions", bad, context_for("instructions"))
    conn = duckdb.connect()
    apply_schema(conn)
    insert_rows(conn, "quality_results", quality_rows(outcomes, run_id="run-1", partition="glue"))
    stored = conn.execute(
        "SELECT check_name, severity, success, unexpected_count, unexpected_examples->>'$[0].task_id', columns"
        " FROM quality_results WHERE NOT success"
    ).fetchall()
    assert stored == [("fields_disjoint", "error", False, 1, "t1", ["fields_disjoint"])]
    severities = conn.execute("SELECT severity, count(*) FROM quality_results GROUP BY 1 ORDER BY 1").fetchall()
    errors = len(error_names("instructions"))
    assert severities == [("error", errors), ("warn", len(suite_json("instructions")["expectations"]) - errors)]
