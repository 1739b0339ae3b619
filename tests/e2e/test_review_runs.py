"""`task_reviews` end to end: against the loopback OpenAI server with scripted verdicts (some malformed),
stored, costed and never requested twice; without an LLM every task `not_reviewed`; human overrides kept
across re-materializations and applied by the export."""

import itertools
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl

from dynosaur_assets.definitions import defs
from dynosaur_assets.export.assets import corpus_export
from dynosaur_assets.review.overrides import load_overrides
from dynosaur_assets.review.prompts import SYSTEM_LINE
from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.store import open_lake
from servers.openai_server import Reply, echo_tasks, serve_openai

DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards"]
# Scripted reviewer replies and what each must become: (text, finish_reason) -> (verdict, parse_error).
# Handed out in this order, one per task (the first two are rejections, the third malformed); the test
# expects the first n for n tasks; tests/unit/test_review.py parses every kind.
SCRIPT = {
    ('Sure:\n```json\n{"verdict": "Wrong_Input", "reason": "no options"}\n```', "stop"): ("wrong_input", None),
    ('{"verdict": "wrong output", "reason": "other field"}', "stop"): ("wrong_output", None),
    ('{"verdict": "mostly fine", "reason": "x"}', "stop"): ("unparsed", "unknown_verdict"),
    ('{"verdict": "reasonable", "reason": "fine"}', "stop"): ("reasonable", None),
    ('{"verdict": "reasonable", "reas', "length"): ("unparsed", "truncated"),
    ("", "stop"): ("unparsed", "empty_response"),
}


def scripted_reviewer() -> Callable[[dict], Reply]:
    """Design prompts get echo_tasks; reviews get the SCRIPT replies in turn."""
    turn = itertools.count()

    def reply(body: dict) -> Reply:
        if not body["messages"][0]["content"].startswith(SYSTEM_LINE):
            return echo_tasks(body)
        text, finish_reason = list(SCRIPT)[next(turn) % len(SCRIPT)]
        return Reply(text, finish_reason=finish_reason)

    return reply


def test_reviews_are_stored_costed_never_re_paid_and_overrides_survive(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-review-test")
    with serve_openai(default=scripted_reviewer()) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        first = pipeline.run(DATASETS)
        assert first.success
        reviews_sent = sum(r["messages"][0]["content"].startswith(SYSTEM_LINE) for r in server.requests)
        rows = pipeline.query("""
            SELECT r.task_id, r.verdict, r.parse_error, r.reviewer, c.response_text, c.finish_reason, c.cost_usd
            FROM task_reviews r JOIN llm_calls c USING (request_hash) WHERE c.prompt_kind = 'review'""")
        tasks = pipeline.query("SELECT count(*) FROM instructions")[0][0]
        assert len(rows) == reviews_sent == tasks > 0
        for _, verdict, parse_error, reviewer, text, finish_reason, cost in rows:
            assert (verdict, parse_error) == SCRIPT[(text, finish_reason)] and reviewer == "gpt-4o-mini" and cost > 0
        expected = [verdict for verdict, _ in itertools.islice(itertools.cycle(SCRIPT.values()), tasks)]
        assert sorted(verdict for _, verdict, *_ in rows) == sorted(expected)
        metadata = first.asset_materializations_for_node("task_reviews")[0].metadata
        assert metadata["unparsed"].value == sum(verdict == "unparsed" for _, verdict, *_ in rows)
        assert metadata["llm/requests_sent"].value == reviews_sent and metadata["llm/cost_usd"].value > 0

        rejected = [task_id for task_id, verdict, *_ in rows if verdict.startswith("wrong_")]
        assert len(rejected) >= 2
        dataset_of = dict(pipeline.query("SELECT task_id, dataset_id FROM instructions"))
        decision = {"dataset_id": dataset_of[rejected[0]], "task_id": rejected[0], "verdict": "reasonable",
                    "who": "ana", "decided_at": "2026-03-01", "note": "checked by hand"}
        with open_lake(LakeSettings.from_settings(f"sqlite:{pipeline.db}")) as conn:
            load_overrides(conn, [decision])

        sent = server.request_count
        second = pipeline.run(DATASETS)
        assert second.success and server.request_count == sent
        assert second.asset_materializations_for_node("task_reviews")[0].metadata["llm/cache_hits"].value == tasks
    assert sorted(pipeline.query("SELECT task_id, verdict FROM task_reviews")) == sorted((t, v) for t, v, *_ in rows)
    assert pipeline.query("SELECT verdict, source FROM task_verdicts WHERE task_id = ?", [rejected[0]]) == [
        ("reasonable", "override")]

    export = dg.materialize([corpus_export], resources=defs.resources)
    folder = Path(export.asset_materializations_for_node("corpus_export")[0].metadata["path"].value)
    exported = set(pl.read_parquet(folder / "dynosaur.parquet")["task_id"])
    assert rejected[0] in exported and not set(rejected[1:]) & exported
    assert exported == set(dataset_of) - set(rejected[1:])
    assert pipeline.query("SELECT count(*) FROM task_review_overrides") == [(1,)]


def test_without_an_llm_every_task_is_not_reviewed(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    assert pipeline.run(DATASETS[:2]).success
    tasks = pipeline.query("SELECT count(*) FROM instructions")[0][0]
    assert pipeline.query("SELECT verdict, reviewer, request_hash, count(*) FROM task_reviews GROUP BY ALL") == [
        ("not_reviewed", None, None, tasks)]
    assert pipeline.query("SELECT count(*) FROM llm_calls") == [(0,)]
