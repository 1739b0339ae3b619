"""The LLM designer end to end, against an OpenAI-compatible server on 127.0.0.1 (real HTTP, the real
`openai` client): calls stored as they arrive, never re-paid, the key never stored, the budget stop."""

import dagster as dg
import pytest

from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.run import process_designed
from servers.openai_server import serve_openai

SECRET = "sk-test-0123456789abcdefghijklmnopqrstuv"
DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards"]
TABLES = ["hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections",
          "instruction_samples", "llm_calls"]


@pytest.fixture
def llm_env(monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "auto")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with serve_openai() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def test_calls_are_stored_reused_and_keep_no_secret(pipeline, llm_env):
    first = pipeline.run(DATASETS)
    assert first.success
    sent = llm_env.request_count
    # recipe-cards has no description: unaware prompt only; the other two get both kinds.
    assert sent == 2 + 2 + 1
    assert pipeline.query("SELECT count(*), sum(prompt_tokens) > 0, sum(cost_usd) > 0 FROM llm_calls") == [
        (sent, True, True)
    ]
    assert pipeline.query("SELECT DISTINCT designer, model FROM instructions") == [("openai", "gpt-4o-mini")], pipeline.query("SELECT designer, model, task_name FROM instructions")
    assert all(auth == f"Bearer {SECRET}" for auth in llm_env.authorizations)

    second = pipeline.run(DATASETS)
    assert second.success and llm_env.request_count == sent
    design = second.asset_materializations_for_node("task_designs")[0]
    assert design.metadata["llm/cache_hits"].value == sent
    assert design.metadata["llm/requests_sent"].value == 0

    for table in TABLES:
        assert pipeline.query(f"SELECT count(*) FROM {table} WHERE CAST(COLUMNS(*) AS VARCHAR) LIKE ?", [f"%{SECRET}%"]) == [(0,)]
    for run in (first, second):
        logs = pipeline.instance.all_logs(run.run_id)
        assert not [event for event in logs if SECRET in str(event)]


def test_budget_stops_new_requests_and_keeps_what_was_paid(pipeline, llm_env):
    designer = TaskDesigner(designer="openai", api_key=SECRET, base_url=llm_env.base_url,
                            concurrency=1, budget_usd="0.0000001")
    assert pipeline.run(DATASETS[:1], resources={"task_designer": designer}).success is False
    assert llm_env.request_count == 1
    # The first dataset's second prompt is paid on a new run; then its both replies are in the store.
    pipeline.run(DATASETS[:1], resources={"task_designer": designer})
    assert llm_env.request_count == 2

    result = pipeline.run(DATASETS, resources={"task_designer": designer})
    assert not result.success
    failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = str(failure[0].event_specific_data.error)
    assert "budget" in message and f"left unmaterialized: {DATASETS[1]}, {DATASETS[2]}." in message
    assert llm_env.request_count == pipeline.query("SELECT count(*) FROM llm_calls")[0][0] == 3
    designed = {e.partition for e in result.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey("task_designs")}
    assert designed == {DATASETS[0]}
    assert pipeline.query("SELECT DISTINCT dataset_id FROM task_designs") == [(DATASETS[0],)]

    assert process_designed(pipeline.instance, result) == [DATASETS[0]]
    assert pipeline.instance.get_materialized_partitions(dg.AssetKey("instructions")) == {DATASETS[0]}
    assert pipeline.query("SELECT DISTINCT dataset_id FROM instruction_samples") == [(DATASETS[0],)]
    assert llm_env.request_count == 3


def test_dry_run_estimates_cost_without_any_request(pipeline, llm_env):
    designer = TaskDesigner(designer="openai", api_key=SECRET, base_url=llm_env.base_url, dry_run="1")
    result = pipeline.run(DATASETS, resources={"task_designer": designer})
    assert llm_env.request_count == 0
    failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = str(failure[0].event_specific_data.error)
    assert "dry run: 5 requests" in message
    assert pipeline.query("SELECT count(*) FROM task_designs") == [(0,)]
