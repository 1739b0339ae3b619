"""The LLM designer end to end, against an OpenAI-compatible server on 127.0.0.1 (real HTTP, the real
`openai` client): calls stored as they arrive (a killed run keeps them), never re-paid, the key never
stored, the budget stop."""

import json
import os
import shutil
import subprocess
import sys
import time

import dagster as dg
import pytest

from locations import PROJECT_ROOT

from dynosaur_assets.design.designer import TaskDesigner
from dynosaur_assets.run import process_designed
from servers.openai_server import echo_tasks, serve_openai, slow_reply

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


def test_a_killed_run_keeps_every_response_it_received(pipeline, tmp_path):
    hub = tmp_path / "hub3"
    for dataset_id in DATASETS:
        shutil.copytree(pipeline.hub_dir / dataset_id, hub / dataset_id)
    hang = lambda body: slow_reply(120) if DATASETS[2] in json.dumps(body) else echo_tasks(body)  # noqa: E731
    with serve_openai(default=hang) as server:
        env = {**os.environ, "DYNOSAUR_HUB_DIR": str(hub), "DAGSTER_HOME": str(tmp_path),
               "DYNOSAUR_DESIGNER": "openai", "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": server.base_url}
        (tmp_path / "dagster.yaml").touch()
        run = subprocess.Popen([sys.executable, "-m", "dynosaur_assets.run"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while not (server.request_count == 5 and server.in_flight == 1) and run.poll() is None:
                assert time.monotonic() < deadline, "the run never reached the hanging request"
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            run.kill()
            run.wait()
    answered = server.request_count - 1
    assert pipeline.query("SELECT count(*), count(response_text) FROM llm_calls") == [(answered, answered)]

    with serve_openai() as fast:
        pipeline.hub_dir = hub
        designer = TaskDesigner(designer="openai", api_key=SECRET, base_url=fast.base_url)
        assert pipeline.run(DATASETS, resources={"task_designer": designer}).success
        assert fast.request_count == 1


def test_a_server_that_is_not_running_fails_the_run_in_seconds_naming_the_url(pipeline, monkeypatch):
    with serve_openai() as stopped:
        url = stopped.base_url  # nothing listens there once the block ends
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    started = time.monotonic()
    result = pipeline.run(DATASETS[:1])
    assert not result.success and time.monotonic() - started < 30
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    message = str(failure.event_specific_data.error.message)
    assert f"cannot connect to the LLM server at {url} (connection refused)" in message
    assert not [event for event in pipeline.instance.all_logs(result.run_id) if SECRET in str(event)]
    assert pipeline.query("SELECT count(*) FROM llm_calls") == [(0,)]
