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
from servers.openai_server import echo_tasks, serve_openai, slow_reply

SECRET = "sk-test-0123456789abcdefghijklmnopqrstuv"
DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards"]
TABLES = ["hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections",
          "instruction_samples", "llm_calls"]


# A run of the job in a process of its own (the process a run worker is), killed in the test.
RUN_IN_PROCESS = """
import dagster as dg
from dynosaur_assets.definitions import defs
from dynosaur_assets.jobs import partition_range_tags
datasets = {datasets!r}
with dg.DagsterInstance.ephemeral() as instance:
    instance.add_dynamic_partitions("hub_datasets", datasets)
    defs.resolve_job_def("dynosaur").execute_in_process(
        instance=instance, tags=partition_range_tags(datasets[0], datasets[-1]))
"""


@pytest.fixture
def llm_env(monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "auto")
    monkeypatch.setenv("DYNOSAUR_REVIEWER", "off")  # these tests count design requests; tests/e2e/test_review.py reviews
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
        # the whole row as text (CAST(COLUMNS(*) ...) LIKE would AND the columns: a row with the key in one
        # column would not count)
        assert pipeline.query(f"SELECT count(*) FROM {table} AS t WHERE CAST(t AS VARCHAR) LIKE ?", [f"%{SECRET}%"]) == [(0,)]
    for run in (first, second):
        logs = pipeline.instance.all_logs(run.run_id)
        assert not [event for event in logs if SECRET in str(event)]


def test_budget_stops_new_requests_and_keeps_what_was_paid(pipeline, llm_env):
    designer = TaskDesigner(designer="openai", api_key=SECRET, base_url=llm_env.base_url)
    choices = {"ops": {"task_designs": {"config": {"budget_usd": 0.0000001, "llm_concurrency": 1}}}}
    assert pipeline.run(DATASETS[:1], resources={"task_designer": designer}, run_config=choices).success is False
    assert llm_env.request_count == 1
    # The first dataset's second prompt is paid on a new run; then its both replies are in the store.
    pipeline.run(DATASETS[:1], resources={"task_designer": designer}, run_config=choices)
    assert llm_env.request_count == 2

    result = pipeline.run(DATASETS, resources={"task_designer": designer}, run_config=choices)
    assert not result.success
    failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = str(failure[0].event_specific_data.error)
    assert "budget" in message and f"left unmaterialized: {DATASETS[1]}, {DATASETS[2]}." in message
    assert llm_env.request_count == pipeline.query("SELECT count(*) FROM llm_calls")[0][0] == 3
    designed = {e.partition for e in result.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey("task_designs")}
    assert designed == {DATASETS[0]}
    assert pipeline.query("SELECT DISTINCT dataset_id FROM task_designs") == [(DATASETS[0],)]

    # the second run curated DATASETS[0]; after this failed run curation follows by automation
    # (test_entry_points.py), not in the run
    curated = {e.partition for e in result.get_asset_materialization_events() if e.asset_key.path == ["instructions"]}
    assert curated == set()


def test_dry_run_estimates_cost_without_any_request(pipeline, llm_env):
    choices = {"ops": {"task_designs": {"config": {"dry_run": True}}}}
    result = pipeline.run(DATASETS, run_config=choices)
    assert result.success and llm_env.request_count == 0
    [observation] = [e.asset_observation_data.asset_observation for e in result.all_events
                     if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION]
    estimates = observation.metadata["dry_run/estimates"].value
    assert estimates["total"]["requests"] == 5 and estimates["dyno-demo/recipe-cards"]["requests"] == 1
    assert estimates["total"]["max_cost_usd"] > 0
    assert pipeline.query("SELECT count(*) FROM task_designs") == [(0,)]
    assert not result.asset_materializations_for_node("curation")

    assert pipeline.run(DATASETS).success and llm_env.request_count == 5
    again = pipeline.run(DATASETS, run_config=choices)
    [observation] = [e.asset_observation_data.asset_observation for e in again.all_events
                     if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION]
    assert observation.metadata["dry_run/estimates"].value["total"] == {
        "dataset": "total", "requests": 0, "already_stored": 5, "prompt_tokens": 0, "max_cost_usd": 0}


def test_a_killed_run_keeps_every_response_it_received(pipeline, tmp_path):
    hub = tmp_path / "hub3"
    for dataset_id in DATASETS:
        shutil.copytree(pipeline.hub_dir / dataset_id, hub / dataset_id)
    hang = lambda body: slow_reply(120) if DATASETS[2] in json.dumps(body) else echo_tasks(body)  # noqa: E731
    with serve_openai(default=hang) as server:
        env = {**os.environ, "DYNOSAUR_HUB_DIR": str(hub), "DYNOSAUR_DESIGNER": "openai",
               "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": server.base_url}
        run = subprocess.Popen([sys.executable, "-c", RUN_IN_PROCESS.format(datasets=DATASETS)], cwd=PROJECT_ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
