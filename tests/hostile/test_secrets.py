"""Secrets (issue 17): with OPENAI_API_KEY and HF_TOKEN set to sentinels, a run of the job with the LLM
designer and reviewer against the loopback server (a 401 and a 404 that echo the key, then a run that
answers), pictures, an export and a push the loopback Hub refuses: neither sentinel appears in captured
output or logging, the Dagster instance's files (run and event storage: every event's metadata and
every exception text), any table of the store, the exports (card included) or the pictures."""

import logging
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from llm_runs import LakeRun, files_written_since
from servers.hf_hub_server import serve_hub
from servers.openai_server import echo_tasks, error_reply, json_reply, serve_openai
from table import record
from dynosaur_assets.definitions import defs
from dynosaur_assets.export.assets import corpus_export
from dynosaur_assets.export.hub_publisher import HubPublisher
from dynosaur_assets.reports.assets import corpus_reports

pytestmark = pytest.mark.hostile

OPENAI_KEY = "sk-SENTINEL-openai-key-4242424242"
HF_TOKEN = "hf_SENTINELhubtoken4242424242"
SENTINELS = (OPENAI_KEY, HF_TOKEN)
DATASETS = ["acme-nlp/topic-news-4", "dyno-demo/product-reviews", "openlab/trivia-open-qa"]


def hits(data: bytes | str) -> int:
    data = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
    return sum(data.count(secret.encode()) for secret in SENTINELS)


def file_hits(folder: Path) -> dict[str, int]:
    return {str(p): hits(p.read_bytes()) for p in folder.rglob("*") if p.is_file() and hits(p.read_bytes())}


def table_hits(lake: LakeRun) -> dict[str, int]:
    tables = [name for (name,) in lake.query("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_catalog = 'lake' AND table_schema = 'main'")]
    found = {}
    for table in tables:
        count = lake.query(f'SELECT count(*) FROM "{table}" AS t WHERE '
                           + " OR ".join("t::VARCHAR LIKE ?" for _ in SENTINELS), [f"%{s}%" for s in SENTINELS])[0][0]
        if count:
            found[table] = count
    assert {"llm_calls", "task_designs", "task_reviews", "instructions"} <= set(tables)
    return found


def failing_then_echo(failed: dict[str, int]):
    """The first design request of topic-news-4 is a 401 and of product-reviews a 404, both echoing the
    key; every other request is answered (reviews: `reasonable`)."""

    def answer(body: dict):
        last = body["messages"][-1]["content"]
        if last.startswith("Instruction: "):
            return json_reply({"verdict": "reasonable", "reason": "fine"})
        for dataset, status in (("acme-nlp/topic-news-4", 401), ("dyno-demo/product-reviews", 404)):
            if dataset in last and dataset not in failed:
                failed[dataset] = status
                return error_reply(status, f"Incorrect API key provided: {OPENAI_KEY}. Authorization: Bearer {OPENAI_KEY}")
        return echo_tasks(body)
    return answer


def test_no_secret_reaches_logs_events_tables_exports_or_pictures(tmp_path, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    started = time.time()
    home = tmp_path / "dagster_home"
    home.mkdir()
    lake = LakeRun(tmp_path / "store", DATASETS, dg.DagsterInstance.local_temp(str(home)))
    failed: dict[str, int] = {}
    with serve_openai(default=failing_then_echo(failed)) as server, \
            serve_hub(tmp_path / "hub_remote", return_server=True, tokens={"hf_theRightToken"}) as hub:
        for name, value in {**lake.env(), "DAGSTER_HOME": str(home), "DYNOSAUR_DESIGNER": "openai",
                            "DYNOSAUR_REVIEWER": "openai", "OPENAI_API_KEY": OPENAI_KEY, "HF_TOKEN": HF_TOKEN,
                            "OPENAI_BASE_URL": server.base_url, "DYNOSAUR_EXPORT_REPO": "dyno-demo/corpus"}.items():
            monkeypatch.setenv(name, value)
        runs = [lake.run(), lake.run()]
        publisher = HubPublisher(repo_id=dg.EnvVar("DYNOSAUR_EXPORT_REPO"), token=dg.EnvVar("HF_TOKEN"), endpoint=hub.url)
        after = dg.materialize([corpus_reports, corpus_export], instance=lake.instance,
                               resources={**defs.resources, "hub_publisher": publisher}, raise_on_error=False)
    assert failed == {"acme-nlp/topic-news-4": 401, "dyno-demo/product-reviews": 404}
    assert [run.success for run in runs] == [False, True] and not after.success
    assert all(auth == f"Bearer {OPENAI_KEY}" for auth in server.authorizations)
    failures = [str(e.event_specific_data.error) for r in (*runs, after) for e in r.all_events
                if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert any("a call failed: NotFoundError 404" in text for text in failures)  # the step names the last failure
    assert any("refused HF_TOKEN (401" in text for text in failures)  # the push was tried and refused
    data_root = tmp_path / "store"
    assert list((data_root / "reports").rglob("*.png")) and list((data_root / "exports").rglob("README.md"))
    assert lake.query("SELECT count(*) FROM task_reviews WHERE verdict = 'reasonable'")[0][0] > 0

    assert [p for p in home.rglob("*") if p.suffix == ".db"], "the instance keeps its runs and events in SQLite files"
    events = sum(hits(serialize_value(event)) for r in (*runs, after)
                 for event in lake.instance.all_logs(r.run_id))
    captured = capfd.readouterr()
    found = {
        "stdout/stderr": hits(captured.out + captured.err),
        "python logging": hits("\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)),
        "event log": events,
        "instance files": sum(file_hits(home).values()),
        "tables": sum(table_hits(lake).values()),
        "exports, cards, pictures": sum(file_hits(data_root / "exports").values())
        + sum(file_hits(data_root / "reports").values()),
        "exception texts": sum(hits(text) for text in failures),
    }
    outside = [p for p in files_written_since(started) if home not in p.parents]
    designed = lake.query("SELECT count(DISTINCT dataset_id) FROM task_designs")[0][0]
    record("secrets", "OPENAI_API_KEY and HF_TOKEN sentinels; a 401 and a 404 echoing the key; a push refused "
           "with 401", len(DATASETS), designed, 0, 0, len(outside), sum(found.values()))
    assert found == dict.fromkeys(found, 0) and outside == [] and designed == len(DATASETS)
