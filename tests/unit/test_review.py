"""The review stage's pure parts: the reviewer prompt, verdict parsing (malformed replies are counted
errors, never verdicts), the overrides CSV, and the view `task_verdicts` on a real lake."""

import json
from datetime import datetime

import pytest

from dynosaur_assets.design.call_store import InMemoryCallStore
from dynosaur_assets.design.llm_client import ClientSettings, DesignClient
from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.review.overrides import OverrideError, load_overrides, main, read_overrides
from dynosaur_assets.review.parse import parse_verdict
from dynosaur_assets.review.prompts import VERDICTS, response_format, review_messages, review_task
from dynosaur_assets.review.reviews import load_review_tasks, review_request, review_settings
from dynosaur_assets.store import open_lake, replace_partition

TASK = review_task("acme/mmlu", "t1", "acme/mmlu", "Pick the answer letter.", ["question"], ["answer"],
                   [("What is 2+2?", "D"), ("Capital of France?", "B"), ("third", "A")])


@pytest.mark.parametrize("text, verdict, reason", [
    ('{"verdict": "reasonable", "reason": "fine"}', "reasonable", "fine"),
    ('Here you go:\n```json\n{"verdict": "wrong_input", "reason": "no options\\nshown"}\n```\nThanks', "wrong_input",
     "no options shown"),
    ('I looked at it. {"verdict": "Wrong Output", "reason": "x"} Hope this helps.', "wrong_output", "x"),
    ("{'VERDICT': 'WRONG-INSTRUCTION', 'Reason': 'no blank'}", "wrong_instruction", "no blank"),
    ('[{"verdict": "reasonable"}]', "reasonable", ""),
    ('{\n  "category": "wrong_input",\n  "reason": "no options"\n}', "wrong_input", "no options"),
    ("Verdict: wrong_input\nReason: the letter needs the options", "wrong_input", "the letter needs the options"),
])
def test_verdicts_in_fences_prose_and_any_case_are_read(text, verdict, reason):
    parsed = parse_verdict(text, "stop")
    assert (parsed.verdict, parsed.reason, parsed.error) == (verdict, reason, None)


@pytest.mark.parametrize("text, finish_reason, error", [
    ('{"verdict": "reasonable", "reason": "fi', "length", "truncated"),
    ('{"verdict": "reasonable", "reason": "fi', "stop", "malformed_json"),
    ("", "stop", "empty_response"),
    (None, "stop", "empty_response"),
    ('{"verdict": "completely reasonable", "reason": "x"}', "stop", "unknown_verdict"),
    ('{"label": "reasonable"}', "stop", "no_verdict_found"),
    ('{"category": "neutral", "reason": "x"}', "stop", "unknown_verdict"),
    ("The task looks reasonable to me.", "stop", "no_verdict_found"),
    ("verdict: maybe", "stop", "unknown_verdict"),
])
def test_malformed_replies_are_counted_errors_never_verdicts(text, finish_reason, error):
    parsed = parse_verdict(text, finish_reason)
    assert parsed.verdict is None and parsed.error == error


@pytest.mark.parametrize("text, finish_reason, error", [
    ('{"verdict": ' * 1000 + '"reasonable"' + "}" * 1000, "stop", "nested_too_deep"),
    ("[" * 100_000, "stop", "nested_too_deep"),
    ('{"id": "c", "choices": [{"mess', "unreadable_body", "unreadable_body"),
    ("[1, 2, 3]", "stop", "no_verdict_found"),
    ('{"verdict": "reasonable\'); DROP TABLE task_reviews; --"}', "stop", "unknown_verdict"),
    ('{"verdict": "\udcff"}', "stop", "unknown_verdict"),
])
def test_hostile_replies_are_counted_errors_never_verdicts(text, finish_reason, error):
    parsed = parse_verdict(text, finish_reason)
    assert parsed.verdict is None and parsed.error == error
    parsed.detail.encode("utf-8")  # storable


def test_a_100_kb_reason_is_cut_and_a_lone_surrogate_escaped():
    parsed = parse_verdict(json.dumps({"verdict": "reasonable", "reason": "\udcff" + "x" * 100_000}))
    assert parsed.verdict == "reasonable" and len(parsed.reason) == 300
    assert parse_verdict('{"verdict": "reasonable", "reason": "a\\udcffb"}').reason == "a\\udcffb"


def test_the_prompt_shows_the_task_two_instances_and_defines_the_four_categories():
    system, user = review_messages(TASK)
    for verdict in VERDICTS:
        assert f"- {verdict}: " in system["content"]
    assert '"verdict"' in system["content"] and "one line" in system["content"]
    assert user["content"].splitlines() == [
        "Instruction: Pick the answer letter.", "Input fields: question", "Output field: answer",
        'Instance 1 input: "What is 2+2?"', 'Instance 1 output: "D"',
        'Instance 2 input: "Capital of France?"', 'Instance 2 output: "B"']
    schema = response_format()["json_schema"]["schema"]
    assert schema["properties"]["verdict"]["enum"] == list(VERDICTS)


def test_review_requests_hash_apart_from_design_requests_and_use_the_review_schema():
    design = ClientSettings()
    settings = review_settings(design)
    params = settings.request_params()
    assert params["response_format"]["json_schema"]["name"] == "task_review" and params["max_tokens"] == 128
    assert design.request_params()["response_format"]["json_schema"]["name"] == "task_designs"
    request = review_request(TASK)
    assert request.prompt_kind == "review"
    assert (DesignClient("k", InMemoryCallStore(), settings).request_hash(request)
            != DesignClient("k", InMemoryCallStore(), design).request_hash(request))


@pytest.fixture
def conn(tmp_path):
    """A lake with two valid tasks of one dataset (three instances each) and one reviewed as wrong_input."""
    with open_lake(LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")) as conn:
        replace_partition(conn, "acme/qa", {
            "instructions": [{"dataset_id": "acme/qa", "config": "default", "task_name": "acme/qa", "task_id": t,
                              "instruction": f"Do {t}.", "base_instruction": f"Do {t}.", "input_fields": ["q"],
                              "output_field": ["a"], "prompt_kind": "aware", "designer": "rules",
                              "designer_version": "1", "instances": 3} for t in ("t1", "t2")],
            "instruction_samples": [{"dataset_id": "acme/qa", "config": "default", "task_id": t, "instance_idx": i,
                                     "instruction": f"Do {t}.", "input": f"q{i}", "output": f"a{i}",
                                     "taskname": "acme/qa"} for t in ("t1", "t2") for i in (2, 0, 1)],
            "task_reviews": [{"dataset_id": "acme/qa", "task_id": "t1", "verdict": "wrong_input", "reason": "r",
                              "reviewer": "m", "reviewed_at": datetime(2026, 1, 1)}],
        })
        yield conn


def verdicts(conn) -> dict[str, tuple]:
    return {t: (v, s) for t, v, s in conn.execute("SELECT task_id, verdict, source FROM task_verdicts").fetchall()}


def test_tasks_to_review_carry_their_first_two_instances_by_index(conn):
    tasks = load_review_tasks(conn, ["acme/qa", "none/such"])
    assert tasks["none/such"] == []
    assert [(t.task_id, t.instances) for t in tasks["acme/qa"]] == [
        ("t1", (("q0", "a0"), ("q1", "a1"))), ("t2", (("q0", "a0"), ("q1", "a1")))]


def test_the_latest_override_wins_and_tasks_without_a_review_are_not_reviewed(conn, tmp_path):
    assert verdicts(conn) == {"t1": ("wrong_input", "review"), "t2": ("not_reviewed", "not_reviewed")}
    path = tmp_path / "decisions.csv"
    path.write_text("dataset_id,task_id,verdict,decided_at,note\n"
                    "acme/qa,t1,Reasonable,2026-02-01T10:00:00,the options are in the question\n"
                    "acme/qa,t1,wrong-output,2026-01-15,\n"
                    "acme/qa,t2,wrong_instruction,,\n")
    rows = read_overrides(path, who="ana")
    assert [(r["verdict"], r["who"], r["note"]) for r in rows] == [
        ("reasonable", "ana", "the options are in the question"), ("wrong_output", "ana", None),
        ("wrong_instruction", "ana", None)]
    assert load_overrides(conn, rows) == 3
    assert verdicts(conn) == {"t1": ("reasonable", "override"), "t2": ("wrong_instruction", "override")}


@pytest.mark.parametrize("text, words", [
    ("dataset_id,task_id\nacme/qa,t1\n", "lacks verdict"),
    ("dataset_id,task_id,verdict\nacme/qa,t1,fine\n", "line 2: verdict 'fine'"),
    ("dataset_id,task_id,verdict\nacme/qa,,reasonable\n", "line 2: dataset_id and task_id"),
    ("dataset_id,task_id,verdict,decided_at\nacme/qa,t1,reasonable,yesterday\n", "decided_at 'yesterday'"),
])
def test_a_bad_csv_is_refused_naming_the_line_and_the_problem(tmp_path, text, words):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(OverrideError, match=words):
        read_overrides(path, who="ana")


def test_overrides_of_unknown_tasks_load_nothing(conn, tmp_path):
    rows = [{"dataset_id": "acme/qa", "task_id": "t9", "verdict": "reasonable", "who": "ana",
             "decided_at": datetime(2026, 1, 1), "note": None}]
    with pytest.raises(OverrideError, match="acme/qa t9"):
        load_overrides(conn, rows)
    assert conn.execute("SELECT count(*) FROM task_review_overrides").fetchone() == (0,)


def test_the_cli_loads_a_csv_into_the_store_of_dynosaur_catalog(tmp_path, monkeypatch, capsys):
    catalog = tmp_path / "cli.sqlite"
    with open_lake(LakeSettings.from_settings(f"sqlite:{catalog}")) as conn:
        replace_partition(conn, "acme/qa", {"instructions": [{
            "dataset_id": "acme/qa", "config": "default", "task_name": "acme/qa", "task_id": "t1", "instruction": "i",
            "base_instruction": "i", "input_fields": ["q"], "output_field": ["a"], "prompt_kind": "aware",
            "designer": "rules", "designer_version": "1", "instances": 1}]})
    monkeypatch.setenv("DYNOSAUR_CATALOG", f"sqlite:{catalog}")
    monkeypatch.delenv("DYNOSAUR_DATA_PATH", raising=False)
    path = tmp_path / "decisions.csv"
    path.write_text("dataset_id,task_id,verdict,who\nacme/qa,t1,wrong_input,bo\n")
    assert main(["load", str(path)]) == 0
    assert main(["load", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    with open_lake(LakeSettings.from_settings(f"sqlite:{catalog}")) as conn:
        assert conn.execute("SELECT verdict, who FROM task_review_overrides").fetchall() == [("wrong_input", "bo")]
        assert json.loads(conn.execute(
            "SELECT commit_extra_info FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1").fetchone()[0])[
            "rows"] == {"task_review_overrides": 1}
