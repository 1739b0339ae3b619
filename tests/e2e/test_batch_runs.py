"""Batch mode end to end against the loopback batch server (the real `openai` SDK): a run submits a
batch and leaves its datasets unmaterialized naming it; the `llm_batches` sensor requests the ingest,
then the datasets' run; the tables then equal a synchronous run's, row for row (llm_calls but for its
mode and cost columns), at half the price."""

import dagster as dg
import pytest

from dynosaur_assets.batch.sensors import llm_batches
from dynosaur_assets.definitions import defs
from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.resources import DynosaurDuckDB
from servers.openai_batch_server import serve_batches
from servers.openai_server import serve_openai

SECRET = "sk-test-batch-e2e-0123456789abcdefghij"
DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards"]
SAME_TABLES = {
    "task_designs": "SELECT * FROM task_designs ORDER BY ALL",
    "instructions": "SELECT * FROM instructions ORDER BY ALL",
    "instruction_samples": "SELECT * FROM instruction_samples ORDER BY ALL",
    "task_rejections": "SELECT * FROM task_rejections ORDER BY ALL",
    "llm_calls": "SELECT * EXCLUDE (mode, cost_usd, latency_s, created_at, attempts) FROM llm_calls ORDER BY ALL",
}
BATCH = {"ops": {"task_designs": {"config": {"llm_mode": "batch"}}}}


@pytest.fixture
def llm_env(monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "openai")
    monkeypatch.setenv("DYNOSAUR_REVIEWER", "off")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def tables(pipeline) -> dict[str, list[tuple]]:
    return {name: pipeline.query(sql) for name, sql in SAME_TABLES.items()}


def tick(pipeline, server) -> list[dg.RunRequest]:
    """One evaluation of the sensor (its cursor kept on the pipeline); its run requests are executed in
    order, as the daemon would."""
    resources = {"task_designer": TaskDesigner(designer="openai", api_key=SECRET, base_url=server.base_url),
                 "duckdb": DynosaurDuckDB(database=":memory:", catalog=f"sqlite:{pipeline.db}")}
    with dg.build_sensor_context(instance=pipeline.instance, repository_def=defs.get_repository_def(),
                                 resources=resources, cursor=getattr(pipeline, "batch_cursor", None)) as context:
        result = llm_batches(context)
    requests = result.run_requests if isinstance(result, dg.SensorResult) else []
    if isinstance(result, dg.SensorResult):
        pipeline.batch_cursor = result.cursor
    for request in requests:
        job = defs.resolve_job_def(request.job_name)
        outcome = job.execute_in_process(instance=pipeline.instance, tags=request.tags, run_config=request.run_config,
                                         asset_selection=request.asset_selection, raise_on_error=False)
        assert outcome.success, request
    return requests


def test_a_batch_run_leaves_the_tables_of_a_sync_run_at_half_the_price(pipeline, llm_env, monkeypatch, tmp_path):
    with serve_openai() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert pipeline.run(DATASETS).success
    sync, sync_cost = tables(pipeline), pipeline.query("SELECT sum(cost_usd) FROM llm_calls")[0][0]

    pipeline.db = tmp_path / "batch" / "catalog.sqlite"
    monkeypatch.setenv("DYNOSAUR_CATALOG", f"sqlite:{pipeline.db}")
    with serve_batches(outcomes=["expire_half"], hold=True) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = pipeline.run(DATASETS, run_config=BATCH)
        assert not first.success
        [failure] = [e for e in first.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        [batch_id] = list(server.batches)
        message = str(failure.event_specific_data.error)
        assert batch_id in message and "left unmaterialized: " + ", ".join(DATASETS) in message
        assert pipeline.query("SELECT count(*) FROM task_designs") == [(0,)]
        assert pipeline.run(DATASETS, run_config=BATCH).success is False and server.batches_created == 1

        assert tick(pipeline, server) == []  # the batch runs
        server.release()  # expires with two of its five lines done
        [ingest] = tick(pipeline, server)
        assert ingest.job_name == "ingest_llm_batches" and server.batches_created == 2  # the other three re-queued
        assert pipeline.query("SELECT count(*), min(mode) FROM llm_calls") == [(2, "batch")]
        requests = []
        for _ in range(3):
            server.release()
            requests += tick(pipeline, server)
        runs = [r for r in requests if r.job_name == "dynosaur"]
        assert [r.job_name for r in requests].count("ingest_llm_batches") == 1
        ranges = [(r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
                  for r in runs]
        assert ranges == [(DATASETS[0], DATASETS[0]), (DATASETS[1], DATASETS[2])]  # nli's two lines came first
        assert tick(pipeline, server) == []  # nothing twice
        assert pipeline.query("SELECT count(*) FROM llm_batches WHERE batch_id NOT IN "
                              "(SELECT batch_id FROM llm_batch_outcomes)") == [(0,)]
        assert server.request_count == 5  # each prompt answered once
    assert tables(pipeline) == sync
    batch_cost = pipeline.query("SELECT sum(cost_usd) FROM llm_calls WHERE mode = 'batch'")[0][0]
    assert batch_cost == pytest.approx(sync_cost / 2)
    assert pipeline.query("SELECT count(DISTINCT dataset_id) FROM task_designs") == [(len(DATASETS),)]
    assert pipeline.query("SELECT count(*) FROM llm_calls WHERE response_text IS NULL") == [(0,)]
