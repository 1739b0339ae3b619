"""Every query of sql/analysis/ runs on a materialized store (known values checked independently) and
on an empty one."""

import importlib.util
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from locations import EMBEDDED_HUB, read_lake
from dynosaur_assets.curate.strict_rules import STRICT_RULES
from dynosaur_assets.dedup.assets import corpus_duplicates
from dynosaur_assets.curate.verbs import verb_noun
from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.store import SQL_DIR, open_lake

ANALYSIS = SQL_DIR / "analysis"
DATASETS = sorted(
    ["dyno-demo/film-synopses", "dyno-demo/product-reviews", "acme-nlp/everyday-nli", "openlab/photo-captions"]
)
# llm_calls rows added after the (rule-based, call-free) run, so the cost queries have something to sum.
FAKE_CALLS = [
    ("h1", "fake-model", "acme-nlp/everyday-nli", 100, 20, 0.01, datetime(2026, 1, 1, 10, 0, 5)),
    ("h2", "fake-model", "acme-nlp/everyday-nli", 200, 30, 0.02, datetime(2026, 1, 1, 10, 0, 40)),
    ("h3", "fake-model", "dyno-demo/product-reviews", 50, 10, 0.005, datetime(2026, 1, 1, 10, 5, 0)),
]
# Two batches: one closed after a half-expired run (its missing lines re-queued in the second, still open).
FAKE_BATCHES = [
    ("batch_a", "sub_a", "design", "gpt-4o-mini", "file_a", 4, 4000, 1, None, datetime(2026, 1, 2, 9, 0, 0)),
    ("batch_b", "sub_b", "design", "gpt-4o-mini", "file_b", 2, 2000, 2, "batch_a", datetime(2026, 1, 2, 9, 30, 0)),
]

COLUMNS = {
    "llm_batches.sql": ["batch_id", "step", "model", "attempt", "parent_batch_id", "requests", "status", "completed",
                        "failed", "missing", "requeued_batch_id", "submitted_at", "closed_at"],
    "cost_per_dataset.sql": ["dataset_id", "calls", "prompt_tokens", "completion_tokens", "cost_usd", "valid_tasks",
                             "instances"],
    "cost_per_run.sql": ["batch_minute", "calls", "datasets", "models", "prompt_tokens", "completion_tokens",
                         "cached_tokens", "errors", "cost_usd"],
    "corpus_as_of_version.sql": ["version", "designer", "tasks", "instances", "datasets"],
    "corpus_versions.sql": ["run_id", "first_version", "last_version", "started", "ended", "datasets", "tasks_written",
                            "instances_written"],
    "tasks_added_since_version.sql": ["since_version", "dataset_id", "task_id", "designer", "instances", "instruction"],
    "cost_per_valid_task.sql": ["designer", "model", "calls", "cost_usd", "valid_tasks", "instances",
                                "cost_per_valid_task"],
    "curation_summary.sql": ["designer", "configs_designed", "proposals", "valid_tasks", "rejections", "instances",
                             "embedded"],
    "datasets_added_per_day.sql": ["day", "datasets", "configs", "kept"],
    "duplicates.sql": ["kind", "name", "copies_most", "instances", "share_of_corpus"],
    "funnel.sql": ["stage", "count"],
    "funnel_reasons.sql": ["stage", "reason", "count"],
    "ingestion_summary.sql": ["outcome", "datasets", "configs", "samples"],
    "instruction_verbs.sql": ["verb", "tasks", "datasets"],
    "label_balance.sql": ["dataset_id", "task_id", "num_labels", "instances", "top_output", "top_output_share"],
    "quality_failures_over_time.sql": ["day", "suite", "check_name", "severity", "failures", "checks"],
    "replay_mix.sql": ["stage", "strategy", "facet", "value", "tasks", "share"],
    "review_verdicts.sql": ["facet", "value", "verdict", "tasks", "overridden", "share"],
    "rejections_by_rule.sql": ["rule", "rule_set", "tasks", "configs"],
    "tasks_by_designer.sql": ["designer", "model", "tasks", "instances"],
    "tasks_by_license.sql": ["license", "datasets", "tasks", "instances"],
    "tasks_by_task_category.sql": ["task_category", "datasets", "tasks", "instances"],
    "verb_noun_pairs.sql": ["verb", "noun", "tasks", "datasets"],
}


def _pipeline_class():
    """The Pipeline of tests/e2e/conftest.py (not importable by name beside tests/conftest.py)."""
    spec = importlib.util.spec_from_file_location("e2e_conftest_pipeline", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Pipeline


REPLAY_STAGE_DATASET = "dyno-demo/product-reviews"  # replay_selection's stage in the store: this dataset's tasks


def select_replay(db: Path) -> None:
    """Materialize replay_selection with the tasks of REPLAY_STAGE_DATASET as its stage (k = 2)."""
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.replay.assets import replay_selection

    with read_lake(db) as conn:
        stage = [t for (t,) in conn.execute("SELECT task_id FROM instructions WHERE dataset_id = ?",
                                            [REPLAY_STAGE_DATASET]).fetchall()]
    config = {"k": 2, "stage_task_ids": stage}
    assert dg.materialize([replay_selection], resources=defs.resources,
                          run_config={"ops": {"replay_selection": {"config": config}}}).success


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """One rule-based run over DATASETS into a store of its own, its `corpus_duplicates` and a replay selection,
    plus FAKE_CALLS and one human review override (the first task by id: reasonable)."""
    tmp = tmp_path_factory.mktemp("sql_analysis")
    hub_dir, db = tmp / "hub", tmp / "catalog.sqlite"
    shutil.copytree(EMBEDDED_HUB, hub_dir)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DYNOSAUR_HUB", "local")
        mp.setenv("DYNOSAUR_HUB_DIR", str(hub_dir))
        mp.setenv("DYNOSAUR_CATALOG", f"sqlite:{db}")
        mp.setenv("DYNOSAUR_DESIGNER", "rules")
        pipeline = _pipeline_class()(hub_dir, db)
        assert pipeline.list_hub().success and pipeline.run(DATASETS).success
        select_replay(db)
        from dynosaur_assets.definitions import defs
        assert dg.materialize([corpus_duplicates], instance=pipeline.instance, resources=defs.resources).success
    with open_lake(LakeSettings.from_settings(f"sqlite:{db}")) as conn:
        conn.executemany(
            "INSERT INTO llm_calls (request_hash, model, prompt_kind, dataset_id, prompt_tokens, completion_tokens,"
            " cached_tokens, cost_usd, latency_s, attempts, created_at) VALUES (?, ?, 'aware', ?, ?, ?, 0, ?, 1.0, 1, ?)",
            FAKE_CALLS,
        )
        conn.execute("INSERT INTO task_review_overrides SELECT dataset_id, task_id, 'reasonable', 'ana', "
                     "TIMESTAMP '2026-01-02', NULL FROM instructions ORDER BY task_id LIMIT 1")
        conn.executemany("INSERT INTO llm_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", FAKE_BATCHES)
        conn.execute("INSERT INTO llm_batch_outcomes VALUES ('batch_a', 'expired', 2, 0, 2, 'batch_b', "
                     "TIMESTAMP '2026-01-03 09:00:00')")
    return db


def run_file(conn: duckdb.DuckDBPyConnection, name: str) -> tuple[list[str], list[dict]]:
    rel = conn.sql((ANALYSIS / name).read_text())
    columns = rel.columns
    return columns, [dict(zip(columns, row)) for row in rel.fetchall()]


def scalar(conn: duckdb.DuckDBPyConnection, sql: str):
    return conn.execute(sql).fetchone()[0]


def check_known_value(conn: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    """One value per file, recomputed without the file's SQL."""
    by = lambda key: {r[key]: r for r in rows}  # noqa: E731
    if name == "llm_batches.sql":
        assert [(r["batch_id"], r["status"]) for r in rows] == [("batch_a", "expired"), ("batch_b", "open")]
        closed = by("batch_id")["batch_a"]
        assert closed["completed"] + closed["failed"] + closed["missing"] == closed["requests"] == 4
        assert closed["requeued_batch_id"] == by("batch_id")["batch_b"]["batch_id"]
        return
    if name == "funnel.sql":
        funnel = {r["stage"]: r["count"] for r in rows}
        assert [r["stage"] for r in rows] == ["listed", "candidates", "datasets", "configs", "kept", "proposals",
                                              "valid_paper_rules", "valid_strict_rules", "valid_tasks", "instances"]
        strict_rejected = scalar(conn, "SELECT count(*) FROM task_rejections WHERE rule IN "
                                       f"({', '.join(repr(rule) for rule in STRICT_RULES)})")
        assert funnel["valid_paper_rules"] == funnel["valid_tasks"] + strict_rejected
        assert funnel["valid_strict_rules"] == scalar(conn, "SELECT count(*) FROM instructions WHERE rule_set = 'strict'")
        assert funnel["listed"] == len(list(EMBEDDED_HUB.glob("*/*/README.md"))) > funnel["candidates"]
        assert funnel["candidates"] == scalar(conn, "SELECT count(*) FROM hub_listing WHERE reason IS NULL")
        assert funnel["kept"] == scalar(conn, "SELECT count(*) FROM hub_datasets WHERE keep") > 0
        assert funnel["datasets"] == len(DATASETS)
        assert funnel["instances"] == scalar(conn, "SELECT count(*) FROM instruction_samples") > 0
    elif name == "funnel_reasons.sql":
        drops = dict(conn.execute("SELECT config || dataset_id, drop_reason FROM hub_datasets WHERE NOT keep").fetchall())
        dropped = {r["reason"]: r["count"] for r in rows if r["stage"] == "dropped"}
        left_out = {r["reason"]: r["count"] for r in rows if r["stage"] == "left_out"}
        assert left_out == {"non_english": 1, "translation": 1, "disallowed_license": 1, "no_license": 1}
        assert dropped == dict(Counter(drops.values())) and sum(dropped.values()) == 2
        rejected = [r for r in rows if r["stage"] in ("rejected", "rejected_strict")]
        assert sum(r["count"] for r in rejected) == scalar(conn, "SELECT count(*) FROM task_rejections")
        assert all((r["reason"] in STRICT_RULES) == (r["stage"] == "rejected_strict") for r in rejected)
    elif name == "tasks_by_license.sql":
        nli = scalar(conn, "SELECT count(*) FROM instructions WHERE dataset_id = 'acme-nlp/everyday-nli'")
        reviews = scalar(conn, "SELECT count(*) FROM instructions WHERE dataset_id = 'dyno-demo/product-reviews'")
        assert by("license")["cc-by-4.0"]["tasks"] == nli > 0  # everyday-nli is cc-by-4.0; photo-captions is dropped
        assert by("license")["apache-2.0"]["tasks"] == reviews > 0
    elif name == "tasks_by_task_category.sql":
        expected = Counter()
        for categories, n in conn.execute(
            "SELECT h.task_categories, count(*) FROM instructions i JOIN hub_datasets h USING (dataset_id, config) GROUP BY ALL"
        ).fetchall():
            for category in categories or ["none"]:
                expected[category] += n
        assert {r["task_category"]: r["tasks"] for r in rows} == dict(expected)
    elif name == "tasks_by_designer.sql":
        assert [(r["designer"], r["model"], r["tasks"], r["instances"]) for r in rows] == [
            ("rules", None, scalar(conn, "SELECT count(*) FROM instructions"),
             scalar(conn, "SELECT count(*) FROM instruction_samples"))
        ]
    elif name == "cost_per_dataset.sql":
        nli = by("dataset_id")["acme-nlp/everyday-nli"]
        assert nli["cost_usd"] == pytest.approx(sum(c[5] for c in FAKE_CALLS if c[2] == "acme-nlp/everyday-nli"))
        assert (nli["calls"], nli["prompt_tokens"]) == (2, 300)
        films = by("dataset_id")["dyno-demo/film-synopses"]
        assert (films["calls"], films["cost_usd"], films["valid_tasks"]) == (0, 0.0, 0)
        assert len(rows) == len(DATASETS)
    elif name == "cost_per_run.sql":
        batches = Counter(c[6].replace(second=0) for c in FAKE_CALLS)
        assert [(r["batch_minute"], r["calls"]) for r in rows] == sorted(batches.items())
        assert rows[0]["cost_usd"] == pytest.approx(0.03)
    elif name == "cost_per_valid_task.sql":
        [rules] = rows  # the fake calls are linked to no task design, so they cost no designer anything
        assert (rules["designer"], rules["cost_usd"], rules["cost_per_valid_task"]) == ("rules", 0.0, 0.0)
        assert rules["valid_tasks"] == scalar(conn, "SELECT count(*) FROM instructions WHERE designer = 'rules'")
    elif name == "instruction_verbs.sql":
        verbs = [verb_noun(i)[0] for (i,) in conn.execute("SELECT base_instruction FROM instructions").fetchall()]
        counts = Counter(verb for verb in verbs if verb)
        assert rows[0]["tasks"] == max(counts.values())
        assert {r["verb"]: r["tasks"] for r in rows} == dict(counts)  # fewer than 25 distinct verbs here
    elif name == "verb_noun_pairs.sql":
        pairs = Counter(verb_noun(i) for (i,) in conn.execute("SELECT base_instruction FROM instructions").fetchall())
        counts = {(verb, noun or "(none)"): n for (verb, noun), n in pairs.items() if verb}
        assert len(counts) <= 25  # so the LIMIT 25 keeps every pair
        assert {(r["verb"], r["noun"]): r["tasks"] for r in rows} == counts
        assert rows[0]["tasks"] == max(counts.values())
    elif name == "label_balance.sql":
        labelled = conn.execute(
            "SELECT dataset_id, task_id, len(labels) FROM instructions WHERE len(coalesce(labels, [])) > 0"
        ).fetchall()
        assert len(rows) == len(labelled) > 0
        dataset_id, task_id, num_labels = labelled[0]
        outputs = Counter(o for (o,) in conn.execute(
            "SELECT output FROM instruction_samples WHERE dataset_id = ? AND task_id = ?", [dataset_id, task_id]
        ).fetchall())
        row = by("task_id")[task_id]
        assert row["num_labels"] == num_labels and row["instances"] == sum(outputs.values())
        assert row["top_output_share"] == pytest.approx(max(outputs.values()) / sum(outputs.values()), abs=1e-4)
        assert outputs[row["top_output"]] == max(outputs.values())
    elif name == "datasets_added_per_day.sql":
        days = Counter(d.date() for (d,) in conn.execute("SELECT ingested_at FROM hub_datasets").fetchall())
        assert {r["day"]: r["configs"] for r in rows} == dict(days)
        assert sum(r["datasets"] for r in rows) >= len(DATASETS)
    elif name == "quality_failures_over_time.sql":
        total, failed = conn.execute("SELECT count(*), count(*) FILTER (WHERE NOT success) FROM quality_results").fetchone()
        assert sum(r["checks"] for r in rows) == total > 0
        assert sum(r["failures"] for r in rows) == failed
    elif name == "duplicates.sql":
        reasons = dict(conn.execute("SELECT reason, count(*) FROM instance_duplicates GROUP BY reason").fetchall())
        assert {r["name"]: r["instances"] for r in rows if r["kind"] == "reason"} == reasons
        copies = dict(conn.execute("SELECT dataset_id, count(*) FROM instance_duplicates "
                                   "WHERE dataset_id <> kept_dataset_id GROUP BY ALL").fetchall())
        assert {r["name"]: r["instances"] for r in rows if r["kind"] == "dataset"} == copies
    elif name == "ingestion_summary.sql":
        assert by("outcome")["kept"]["configs"] == scalar(conn, "SELECT count(*) FROM hub_datasets WHERE keep")
    elif name == "curation_summary.sql":
        assert by("designer")["rules"]["valid_tasks"] == scalar(conn, "SELECT count(*) FROM instructions")
    elif name == "rejections_by_rule.sql":
        assert sum(r["tasks"] for r in rows) == scalar(conn, "SELECT count(*) FROM task_rejections")
        assert all((r["rule"] in STRICT_RULES) == (r["rule_set"] == "strict") for r in rows)
    elif name == "corpus_versions.sql":
        listing, run, replay = rows  # the fixture's listing run, its run, then its replay selection
        assert replay["datasets"] == 0 and replay["tasks_written"] is None and replay["first_version"] > run["last_version"]
        assert listing["datasets"] == 0 and listing["last_version"] < run["first_version"]
        assert run["first_version"] < run["last_version"] and run["datasets"] == len(DATASETS)
        assert run["tasks_written"] == scalar(conn, "SELECT count(*) FROM instructions") > 0
        assert run["instances_written"] == scalar(conn, "SELECT count(*) FROM instruction_samples")
    elif name == "tasks_added_since_version.sql":  # by default, since the version before the latest run
        assert len(rows) == scalar(conn, "SELECT count(*) FROM instructions") > 0
        conn.execute("SET VARIABLE since_version = (SELECT max(snapshot_id) FROM lake.snapshots())")
        assert run_file(conn, name)[1] == []
    elif name == "corpus_as_of_version.sql":
        assert by("designer")["rules"]["tasks"] == scalar(conn, "SELECT count(*) FROM instructions")
        first = scalar(conn, "SELECT min(snapshot_id) FROM lake.snapshots() WHERE author = 'dynosaur'")
        conn.execute("SET VARIABLE as_of_version = ?", [first - 1])
        assert run_file(conn, name)[1] == []  # before the run wrote anything
    elif name == "replay_mix.sql":
        stage = scalar(conn, "SELECT any_value(stage) FROM replay_stages")
        assert {r["stage"] for r in rows} == {stage}
        picks = conn.execute("SELECT r.strategy, i.designer, r.dataset_id FROM replay_selection r "
                             "JOIN instructions i USING (dataset_id, task_id)").fetchall()
        assert len(picks) == 2 * 5  # k = 2 for each strategy: the past (everyday-nli) has more tasks
        by_designer = Counter((strategy, designer) for strategy, designer, _ in picks)
        assert {(r["strategy"], r["value"]): r["tasks"] for r in rows if r["facet"] == "designer"} == {
            **by_designer, ("(stage)", "rules"): scalar(conn, "SELECT count(*) FROM replay_stages")}
        datasets = {(r["strategy"], r["value"]) for r in rows if r["facet"] == "dataset"}
        assert datasets == {(s, d) for s, _, d in picks} | {("(stage)", REPLAY_STAGE_DATASET)}
        assert REPLAY_STAGE_DATASET not in {d for _, _, d in picks}
        assert all(r["share"] == 1.0 for r in rows if r["facet"] == "license")  # one licence per side here
    elif name == "review_verdicts.sql":
        tasks = scalar(conn, "SELECT count(*) FROM instructions")
        overall = {r["verdict"]: r for r in rows if r["facet"] == "all"}
        assert set(overall) == {"not_reviewed", "reasonable"}  # the rule designer: nothing reviewed but the override
        assert overall["reasonable"]["tasks"] == overall["reasonable"]["overridden"] == 1
        assert overall["not_reviewed"]["tasks"] == tasks - 1 and overall["not_reviewed"]["overridden"] == 0
        assert overall["reasonable"]["share"] == pytest.approx(1 / tasks, abs=1e-4)
        assert {(r["value"], r["verdict"]): r["tasks"] for r in rows if r["facet"] == "designer"} == {
            ("rules", "not_reviewed"): tasks - 1, ("rules", "reasonable"): 1}
        categories = [r for r in rows if r["facet"] == "task_category"]
        assert sum(r["overridden"] for r in categories) == len(scalar(conn, (
            "SELECT h.task_categories FROM task_review_overrides o JOIN instructions i USING (dataset_id, task_id) "
            "JOIN hub_datasets h ON h.dataset_id = i.dataset_id AND h.config = i.config")) or ["none"])
    else:
        raise AssertionError(f"no known value checked for {name}")


def test_every_file_is_covered():
    assert sorted(p.name for p in ANALYSIS.glob("*.sql")) == sorted(COLUMNS)
    for path in ANALYSIS.glob("*.sql"):
        assert path.read_text().startswith("-- "), f"{path.name} must open with a '-- ' comment line"


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_query_columns_and_known_value(store, name):
    with read_lake(store) as conn:
        columns, rows = run_file(conn, name)
        assert columns == COLUMNS[name]
        check_known_value(conn, name, rows)


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_query_runs_on_an_empty_store(name, tmp_path):
    with open_lake(LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")) as conn:
        columns, rows = run_file(conn, name)
    assert columns == COLUMNS[name]
    if name == "funnel.sql":
        assert [r["count"] for r in rows] == [0] * 10
    else:
        assert rows == []

