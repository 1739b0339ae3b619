"""Hostile or broken model replies (issue 17), through the real `openai` client and the loopback server,
in one run of the job over nine embedded datasets and a second run: each design reply on a dataset's
aware prompt and each review reply on the task of its unaware prompt is one case. Each becomes a counted
rejection or parse error (or, where the reply is readable, is read safely) with the raw text kept in
`llm_calls`; no run crashes, and the second run pays for nothing again."""

import json
import re
import threading
import time

import pytest

from llm_runs import LakeRun, files_written_since
from servers.openai_server import Reply, cut_reply, echo_tasks, json_reply, raw_reply, serve_openai
from table import record

pytestmark = pytest.mark.hostile

KEY = "sk-hostile-replies-SENTINEL-0123456789"
TASK = {"instruction": "Label the text.", "input_fields": ["text"], "output_field": ["label"]}
NESTED = '{"task1": ' + '{"a": ' * 1000 + "1" + "}" * 1001
NON_UTF8 = (b'{"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": '
            b'"{\\"task1\\": {\\"instruction\\": \\"caf\xe9 \xff\xfe\\"}}"}}]}')
COMPLETION_CUT = b'{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assi'
SQL_PATH_FIELDS = ["text'); DROP TABLE llm_calls; --", "../../../../tmp/escaped", "/etc/passwd", 'a"b\\c', "nul\x00l"]


def _body_text(body: bytes) -> str:
    return body.decode("utf-8", "backslashreplace")


# case: (dataset, injected, reply, what it becomes, the raw text llm_calls keeps)
DESIGN_CASES = {
    "llm_unknown_fields": ("acme-nlp/science-quiz-mc", "a task naming fields the rows do not have",
                           json_reply({"task1": {**TASK, "input_fields": ["no_such_field"], "output_field": ["nor_this"]}}),
                           "rejection:unknown_field", None),
    "llm_sql_path_fields": ("acme-nlp/support-desk", "field names with SQL, path characters, quotes and NUL",
                            json_reply({"task1": {**TASK, "input_fields": SQL_PATH_FIELDS[:3],
                                                  "output_field": SQL_PATH_FIELDS[3:]}}),
                            "rejection:unknown_field", None),
    "llm_instruction_100kb": ("acme-nlp/topic-news-4", "an instruction of 100 KB",
                              json_reply({"task1": {**TASK, "instruction": "Label it. " * 10_000}}),
                              "parse_error:no_tasks", None),
    "llm_json_nested_1000": ("dyno-demo/product-reviews", "JSON nested 1,000 deep", Reply(NESTED),
                             "parse_error:nested_too_deep", NESTED),
    "llm_non_utf8_body": ("dyno-demo/regional-news-summaries", "a 200 body with bytes that are not UTF-8",
                          raw_reply(NON_UTF8), "parse_error:unreadable_body", _body_text(NON_UTF8)),
    "llm_wrong_shape_json": ("openlab/encyclopedia-qa", "valid JSON of the wrong shape as the reply",
                             json_reply([1, "two", {"three": 3}]), "parse_error:not_a_task_dict", '[1, "two", {"three": 3}]'),
    "llm_body_wrong_shape": ("openlab/local-news-headlines", "a 200 body of JSON that is no chat completion",
                             raw_reply(b'{"foo": [1, 2]}'), "parse_error:unreadable_body", '{"foo": [1, 2]}'),
    "llm_body_ends_mid_object": ("openlab/python-docstrings", "a 200 body whose JSON ends mid-object",
                                 raw_reply(COMPLETION_CUT), "parse_error:unreadable_body", _body_text(COMPLETION_CUT)),
    "llm_connection_cut_mid_object": ("openlab/trivia-open-qa", "the connection closes mid-object (once)",
                                      None, "designed:retried", None),
}
# case: (dataset whose unaware task it reviews, injected, reply, verdict and parse error)
REVIEW_CASES = {
    "review_json_nested_1000": ("acme-nlp/science-quiz-mc", "a verdict nested 1,000 deep",
                                Reply('{"verdict": ' * 1000 + '"reasonable"' + "}" * 1000), "unparsed:nested_too_deep"),
    "review_non_utf8_body": ("acme-nlp/topic-news-4", "a 200 body with bytes that are not UTF-8",
                             raw_reply(NON_UTF8.replace(b"task1", b"verdict")), "unparsed:unreadable_body"),
    "review_reason_100kb": ("dyno-demo/product-reviews", "a reason of 100 KB",
                            json_reply({"verdict": "reasonable", "reason": "fine " * 20_000}), "reasonable:"),
    "review_wrong_shape_json": ("dyno-demo/regional-news-summaries", "valid JSON of the wrong shape",
                                json_reply([1, 2, 3]), "unparsed:no_verdict_found"),
    "review_body_ends_mid_object": ("openlab/encyclopedia-qa", "a 200 body whose JSON ends mid-object",
                                    raw_reply(COMPLETION_CUT), "unparsed:unreadable_body"),
    "review_verdict_sql": ("openlab/local-news-headlines", "a verdict of SQL",
                           json_reply({"verdict": "reasonable'); DROP TABLE task_reviews; --"}), "unparsed:unknown_verdict"),
}
DATASETS = sorted({case[0] for case in DESIGN_CASES.values()})
_CASE_TAG = re.compile(r"Case (\w+)\.")


class Script:
    """Answers each request by its case: the dataset's aware prompt gets its design case, its unaware
    prompt a valid task tagged with its review case, whose review gets that case's reply."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cuts = 0
        self.log: list[str] = []  # the case (or "") of each request, in arrival order

    def __call__(self, body: dict) -> Reply:
        case, reply = self.answer(body)
        with self.lock:
            self.log.append(case)
        return reply

    def answer(self, body: dict) -> tuple[str, Reply]:
        last = body["messages"][-1]["content"]
        if last.startswith("Instruction: "):
            tag = _CASE_TAG.search(last.splitlines()[0])
            case = tag.group(1) if tag else ""
            return case, REVIEW_CASES[case][2] if case else json_reply({"verdict": "reasonable", "reason": "ok"})
        metadata = json.loads(last.splitlines()[0].removeprefix("Dataset: "))
        dataset = next(d for d in DATASETS if metadata["task_name"].startswith(d))
        if "description" in metadata:
            case = next(name for name, spec in DESIGN_CASES.items() if spec[0] == dataset)
            return case, self.design_reply(case, body)
        review = next((name for name, spec in REVIEW_CASES.items() if spec[0] == dataset), "")
        task = json.loads(echo_tasks(body).content)["task1"]
        tag = f" Case {review}." if review else ""
        return "", json_reply({"task1": {**task, "instruction": task["instruction"] + tag}})

    def design_reply(self, case: str, body: dict) -> Reply:
        if case != "llm_connection_cut_mid_object":
            return DESIGN_CASES[case][2]
        with self.lock:
            self.cuts += 1
            first = self.cuts == 1
        return cut_reply(echo_tasks(body), keep=0.5) if first else echo_tasks(body)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """Two runs of the job over DATASETS; the server's log per run, the lake, the files written outside it."""
    script, started = Script(), time.time()
    lake = LakeRun(tmp_path_factory.mktemp("hostile_llm"), DATASETS)
    with pytest.MonkeyPatch.context() as env, serve_openai(default=script) as server:
        for name, value in {**lake.env(), "DYNOSAUR_DESIGNER": "openai", "DYNOSAUR_REVIEWER": "openai",
                            "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}.items():
            env.setenv(name, value)
        first = lake.run()
        first_log = list(script.log)
        second = lake.run()
    yield {"lake": lake, "runs": (first, second), "first": first_log, "second": script.log[len(first_log):],
           "outside": files_written_since(started)}


def test_both_runs_succeed_and_the_second_pays_nothing(hostile_run):
    assert [run.success for run in hostile_run["runs"]] == [True, True]
    assert hostile_run["second"] == [] and hostile_run["outside"] == []
    lake = hostile_run["lake"]
    assert lake.query("SELECT count(*) - count(DISTINCT request_hash) FROM llm_calls") == [(0,)]
    columns = "concat_ws(' ', response_text, error, task_name)"
    assert lake.query(f"SELECT count(*) FROM llm_calls WHERE {columns} LIKE ?", [f"%{KEY}%"]) == [(0,)]


def _common(hostile_run, case: str) -> dict:
    lake = hostile_run["lake"]
    return {"duplicates": lake.query("SELECT count(*) - count(DISTINCT request_hash) FROM llm_calls")[0][0],
            "paid_repeated": hostile_run["second"].count(case), "files_outside_data": len(hostile_run["outside"]),
            "secrets_found": lake.query("SELECT count(*) FROM llm_calls WHERE response_text LIKE ?", [f"%{KEY}%"])[0][0]}


@pytest.mark.parametrize("case", list(DESIGN_CASES))
def test_a_hostile_design_reply_is_counted_with_its_raw_text_kept(hostile_run, case):
    dataset, injected, reply, outcome, raw = DESIGN_CASES[case]
    lake, (kind, name) = hostile_run["lake"], outcome.split(":")
    calls = lake.query("SELECT response_text, attempts FROM llm_calls WHERE dataset_id = ? AND prompt_kind = 'aware' "
                       "AND error IS NULL", [dataset])
    expected_raw = raw if raw is not None else (reply.content if reply else None)
    if kind == "parse_error":
        found = lake.query("SELECT count(*) FROM task_designs d JOIN llm_calls c USING (request_hash) "
                           "WHERE d.dataset_id = ? AND d.prompt_kind = 'aware' AND d.parse_error = ? "
                           "AND d.raw_text = c.response_text", [dataset, name])[0][0]
        found = min(found, lake.query("SELECT count(*) FROM task_rejections WHERE dataset_id = ? AND prompt_kind = "
                                      "'aware' AND rule = 'unparseable'", [dataset])[0][0])
    elif kind == "rejection":
        found = lake.query("SELECT count(*) FROM task_rejections WHERE dataset_id = ? AND prompt_kind = 'aware' "
                           "AND rule = ?", [dataset, name])[0][0]
    else:
        found = lake.query("SELECT count(*) FROM task_designs WHERE dataset_id = ? AND prompt_kind = 'aware' AND "
                           "parse_error IS NULL", [dataset])[0][0]
        assert [attempts for _, attempts in calls] == [2] and hostile_run["first"].count(case) == 2
    expected = len(calls)
    record(case, injected, expected, found, **_common(hostile_run, case))
    assert expected >= 1 and found == expected
    if expected_raw is not None:
        assert {text for text, _ in calls} == {expected_raw}
    assert _common(hostile_run, case) == {"duplicates": 0, "paid_repeated": 0, "files_outside_data": 0,
                                          "secrets_found": 0}


@pytest.mark.parametrize("case", list(REVIEW_CASES))
def test_a_hostile_review_reply_is_counted_with_its_raw_text_kept(hostile_run, case):
    dataset, injected, _, outcome = REVIEW_CASES[case]
    lake, (verdict, parse_error) = hostile_run["lake"], outcome.split(":")
    rows = lake.query("SELECT r.verdict, coalesce(r.parse_error, ''), length(r.reason), c.response_text IS NOT NULL "
                      "FROM task_reviews r JOIN instructions i USING (dataset_id, task_id) "
                      "JOIN llm_calls c ON c.request_hash = r.request_hash WHERE r.dataset_id = ? "
                      "AND i.base_instruction LIKE ?", [dataset, f"%Case {case}."])
    found = sum(row[:2] == (verdict, parse_error) and row[3] for row in rows)
    record(case, injected, 1, found, **_common(hostile_run, case))
    assert len(rows) == 1 and found == 1 and rows[0][2] <= 300
    assert _common(hostile_run, case)["paid_repeated"] == 0
