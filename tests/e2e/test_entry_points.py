"""One way to run: `make run` (a backfill through the instance, executed by the Dagster daemon, as a UI
backfill is), the `new_hub_datasets` sensor's run, and an in-process run of the job leave the same
tables; a budget stop is followed by the curation of the datasets it finished; a dry run is a
successful run that stores nothing; a configuration mistake is one line. Real processes: `make run`'s
module, `dagster-daemon`, `dagster sensor start`."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from locations import EMBEDDED_HUB, PROJECT_ROOT, read_lake

from dynosaur_assets.launch import dagster_daemon, wait_until_settled
from servers.openai_server import serve_openai

DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards", "openlab/photo-captions"]
TABLES = {  # the columns that vary between two runs of the same inputs are left out
    "hub_datasets": "* EXCLUDE (ingested_at)",
    "hub_samples": "*",
    "task_designs": "*",
    "instructions": "*",
    "task_rejections": "*",
    "instruction_samples": "*",
    "instruction_embeddings": "* EXCLUDE (created_at)",
}
STORE_WIDE = ("corpus_duplicates", "corpus_export", "corpus_reports", "replay_selection")  # the automation's, after the others (in one run or two)


@pytest.fixture
def place(tmp_path: Path) -> dict[str, str]:
    """A small Hub, an empty store and a Dagster home with the project's instance settings."""
    hub = tmp_path / "hub"
    for dataset_id in DATASETS:
        shutil.copytree(EMBEDDED_HUB / dataset_id, hub / dataset_id)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    return {"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(hub), "DYNOSAUR_CATALOG": f"sqlite:{tmp_path / 'store.sqlite'}",
            "DAGSTER_HOME": str(home), "DYNOSAUR_DESIGNER": "rules", "HF_HUB_OFFLINE": "1"}


def make_run(place: dict[str, str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **place, **env})


def is_store_wide(label: str) -> bool:
    """A run label (launch.py) of store-wide assets only."""
    return set(label.split(", ")) <= set(STORE_WIDE)


def catalog_file(place: dict[str, str]) -> Path:
    return Path(place["DYNOSAUR_CATALOG"].removeprefix("sqlite:"))


def tables(catalog: Path) -> dict[str, list[tuple]]:
    with read_lake(catalog) as conn:
        return {name: sorted(conn.execute(f"SELECT {columns} FROM {name}").fetchall(), key=repr)
                for name, columns in TABLES.items()}


def test_make_run_the_sensor_and_an_in_process_run_leave_the_same_tables(place, tmp_path, monkeypatch):
    done = make_run(place)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ingestion_summary.sql" in done.stdout and "The run " not in done.stdout
    by_make_run = tables(catalog_file(place))
    assert len(by_make_run["instructions"]) > 0
    exported = tmp_path / "exports" / "dynosaur" / "latest" / "dynosaur.jsonl"  # by the automation's run
    assert len(exported.read_text().splitlines()) == len(by_make_run["instruction_samples"])
    with dg.DagsterInstance.from_config(place["DAGSTER_HOME"]) as instance:
        (backfill,) = instance.get_backfills()
        runs = instance.get_runs()
        assert {run.tags.get("dagster/backfill") for run in runs} >= {backfill.backfill_id}
        reports = [run for run in runs if run.tags.get("dagster/sensor_name") == "corpus_automation"]
        assert sorted(k.to_user_string() for run in reports for k in run.asset_selection) == list(STORE_WIDE)
        assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}  # none left queued by the end
        # the listing, the backfill's one run, then the reports and the export: nothing curated or embedded twice
        assert len(runs) == 2 + len(reports) and runs[-1].job_name == "list_the_hub"
        spans = sorted((record.start_time, record.end_time) for record in instance.get_run_records()
                       if record.start_time and record.end_time)  # runs that ran (not a request still queued)
        assert len(spans) >= 2 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # queued one at a time

    sensor = {**place, "DYNOSAUR_CATALOG": f"sqlite:{tmp_path / 'sensor.sqlite'}", "DAGSTER_HOME": str(tmp_path / "home2")}
    Path(sensor["DAGSTER_HOME"]).mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_instance.yaml", Path(sensor["DAGSTER_HOME"]) / "dagster.yaml")
    for key, value in sensor.items():
        monkeypatch.setenv(key, value)
    with dg.DagsterInstance.get() as instance, dagster_daemon(instance):
        started = time.time()
        subprocess.run([str(Path(sys.executable).parent / "dagster"), "sensor", "start", "new_hub_datasets", "-w",
                        "workspace.yaml"], cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=120)
        # the first tick requests a listing run, a tick after it the run of the candidates it listed
        while not instance.get_runs(dg.RunsFilter(job_name="dynosaur")) and time.time() - started < 180:
            time.sleep(1)
        settled = wait_until_settled(instance, started, backfill_id="")
    # the listing, the sensor's run, then the reports and the export; the automation may also draw the
    # empty store's reports (and export nothing) first when it ticks before the sensor has added any
    # partition; nothing is curated twice
    assert {run.status for run in settled.runs} == {"SUCCESS"}, settled.runs
    labels = [run.label for run in settled.runs]
    partitioned = [i for i, label in enumerate(labels) if label != "list_the_hub" and not is_store_wide(label)]
    assert len(partitioned) == 1 and labels.count("list_the_hub") == 1, labels
    assert labels.index("list_the_hub") < partitioned[0], settled.runs
    after = labels[partitioned[0] + 1:]
    assert all(map(is_store_wide, after)) and sorted(", ".join(after).split(", ")) == list(STORE_WIDE), settled.runs
    assert tables(catalog_file(sensor)) == by_make_run

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.jobs import partition_range_tags

    monkeypatch.setenv("DYNOSAUR_CATALOG", f"sqlite:{tmp_path / 'in_process.sqlite'}")
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("hub_datasets", sorted(DATASETS))
        result = defs.resolve_job_def("dynosaur").execute_in_process(
            instance=instance, tags=partition_range_tags(sorted(DATASETS)[0], sorted(DATASETS)[-1]))
        assert result.success
    assert tables(tmp_path / "in_process.sqlite") == by_make_run


def test_a_budget_stop_says_so_first_and_the_finished_datasets_are_curated(place):
    with serve_openai() as server:
        done = make_run(place, DYNOSAUR_DESIGNER="openai", OPENAI_API_KEY="sk-secret-never-shown",
                        OPENAI_BASE_URL=server.base_url, DYNOSAUR_LLM_CONCURRENCY="1", DYNOSAUR_BUDGET_USD="0.0002")
        paid = server.request_count
    assert done.returncode == 1
    first = next(line for line in done.stdout.splitlines() if line.strip())
    assert "ended FAILURE: the budget was reached; left unmaterialized:" in first
    assert "sk-secret-never-shown" not in done.stdout + done.stderr
    with read_lake(catalog_file(place)) as conn:
        designed = {row[0] for row in conn.execute("SELECT DISTINCT dataset_id FROM task_designs").fetchall()}
        curated = {row[0] for row in conn.execute("SELECT DISTINCT dataset_id FROM instructions").fetchall()}
        assert conn.execute("SELECT count(*) FROM llm_calls").fetchone()[0] == paid
    assert designed and designed < set(DATASETS) and curated == designed


def test_a_dry_run_succeeds_prints_one_estimate_and_stores_nothing(place):
    with serve_openai() as server:
        done = make_run(place, DYNOSAUR_DESIGNER="openai", OPENAI_API_KEY="x", OPENAI_BASE_URL=server.base_url,
                        DYNOSAUR_DRY_RUN="1")
        assert server.request_count == 0
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert sum("Dry run" in line for line in lines) == 1 and "ERROR" not in done.stdout + done.stderr
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[1:3] == ["5", "0"]  # requests: two prompt kinds for two datasets, one for recipe-cards
    with read_lake(catalog_file(place)) as conn:
        assert conn.execute("SELECT count(*) FROM task_designs").fetchone() == (0,)


@pytest.mark.parametrize("setting, message", [
    ({"DYNOSAUR_HUB": "foo"}, "DYNOSAUR_HUB"),
    ({"DYNOSAUR_HUB_DIR": "/nonexistent/hub"}, "/nonexistent/hub"),
])
def test_a_configuration_mistake_is_one_line(place, setting, message):
    done = make_run(place, **setting)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr, done.stderr
