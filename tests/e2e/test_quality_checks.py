"""Great Expectations asset checks in a real run: a blocking failure stops downstream assets and names
the expectation and the row; a WARN failure is recorded and the run goes on; each table's suite is
validated once per run on the rows its asset wrote."""

import dagster as dg

from dynosaur_assets.design.designer import DesignRun, TaskDesigner
from dynosaur_assets.tasks import TaskDesign

DATASET = ["dyno-demo/product-reviews"]


class PlantedDesigner(TaskDesigner):
    """The rule-based designer with one planted defect in its replies."""

    plant: str = ""

    def design(self, sources, conn, log, **options) -> DesignRun:
        run = super().design(sources, conn, log, **options)
        for replies in run.replies.values():
            for reply in replies:
                if self.plant == "unknown_prompt_kind" and reply.prompt_kind == "unaware":
                    reply.prompt_kind = "sideways"
                else:
                    reply.parsed.tasks.append(TaskDesign(f"A fourth {reply.prompt_kind} task.", ["text"], ["label"]))
        return run


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    }


def test_blocking_failure_stops_downstream_and_names_expectation_and_row(pipeline):
    designer = PlantedDesigner(designer="rules", plant="unknown_prompt_kind")
    result = pipeline.run(DATASET, resources={"task_designer": designer})
    assert not result.success
    evaluations = check_evaluations(result)
    evaluation = evaluations["task_designs_errors"]
    assert not evaluation.passed and evaluation.blocking
    assert "prompt_kind_known" in evaluation.description
    [failure] = evaluation.metadata["failures"].value
    assert failure["expectation"] == "prompt_kind_known"
    assert failure["examples"][0]["dataset_id"] == DATASET[0]
    assert failure["examples"][0]["prompt_kind"] == "sideways"
    assert "task_designs_warnings" in evaluations  # the failed step still reports its WARN check
    assert result.asset_materializations_for_node("curation") == []
    assert pipeline.query("SELECT count(*) FROM instructions") == [(0,)]
    assert pipeline.query(
        "SELECT check_name FROM quality_results WHERE NOT success AND severity = 'error'"
    ) == [("prompt_kind_known",)]


def test_warning_is_recorded_and_the_run_goes_on(pipeline):
    designer = PlantedDesigner(designer="rules", plant="fourth_task")
    result = pipeline.run(DATASET, resources={"task_designer": designer})
    assert result.success
    evaluation = check_evaluations(result)["task_designs_warnings"]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "at_most_three_tasks" in evaluation.description
    assert pipeline.query("SELECT count(*) > 0 FROM instructions") == [(True,)]
    assert pipeline.query(
        "SELECT DISTINCT suite, check_name FROM quality_results WHERE NOT success"
    ) == [("task_designs", "at_most_three_tasks")]


def test_each_suite_is_validated_once_per_run_on_the_rows_its_asset_wrote(pipeline, monkeypatch):
    """One validation per table; each check saw every row of its table (so it ran after the asset that
    writes the table); quality_results holds each expectation once, with its severity."""
    from collections import Counter

    from dynosaur_assets.quality import checks
    from dynosaur_assets.quality.outcomes import SEVERITIES
    from dynosaur_assets.quality.suites import suite_json

    validated = Counter()
    validate_frame = checks.validate_frame

    def counting(table, *args, **kwargs):
        validated[table] += 1
        return validate_frame(table, *args, **kwargs)

    monkeypatch.setattr(checks, "validate_frame", counting)
    result = pipeline.run(DATASET)
    assert result.success
    assert validated == Counter(list(checks.TABLE_ASSETS))
    evaluations = check_evaluations(result)
    assert set(evaluations) == {f"{t}_{k}" for t in checks.TABLE_ASSETS for k in ("errors", "warnings")}
    for table in checks.TABLE_ASSETS:
        [(stored,)] = pipeline.query(f"SELECT count(*) FROM {table} WHERE dataset_id = ?", DATASET)
        assert evaluations[f"{table}_errors"].metadata["rows"].value == stored, table
    assert pipeline.query("SELECT count(*) FROM instruction_samples") != [(0,)]
    expected = Counter(
        (t, SEVERITIES[e["severity"]]) for t in checks.TABLE_ASSETS for e in suite_json(t)["expectations"])
    for (table, severity), count in expected.items():
        kind = "errors" if severity == "error" else "warnings"
        assert evaluations[f"{table}_{kind}"].metadata["expectations"].value == count
    stored = pipeline.query("SELECT suite, severity, count(*), count(DISTINCT check_name) FROM quality_results"
                            " GROUP BY ALL")
    assert {(suite, severity): (n, distinct) for suite, severity, n, distinct in stored} == {
        key: (n, n) for key, n in expected.items()}


def test_writing_a_suites_outcomes_again_replaces_them(tmp_path):
    """A check run again in the same run (a retry) does not double the rows; another run adds its own."""
    import duckdb

    from dynosaur_assets.quality.checks import write_outcomes
    from dynosaur_assets.quality.suites import validate_frame
    from dynosaur_assets.store import apply_schema

    outcomes = validate_frame("llm_calls", None)
    with duckdb.connect(str(tmp_path / "q.duckdb")) as conn:
        apply_schema(conn)
        for _ in range(2):
            write_outcomes(conn, "run-1", "a/b", "llm_calls", outcomes)
        write_outcomes(conn, "run-2", "a/b", "llm_calls", outcomes)
        counts = conn.execute("SELECT run_id, count(*) FROM quality_results GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [("run-1", len(outcomes)), ("run-2", len(outcomes))]
