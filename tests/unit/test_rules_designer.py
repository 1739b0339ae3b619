"""The offline rule-based designer (docs/method.md §2 without an LLM): hand-made sources and the share of
real Hub configs (../shared/hub-snapshot) that end with a valid task after §3 and §4."""

import ast
import builtins
import dataclasses
import string
from pathlib import Path

import pytest

from locations import HUB_SNAPSHOT
from dynosaur_assets.curate.curation import curate_source, sample_rows
from dynosaur_assets.curate.label_space import check_label_space
from dynosaur_assets.curate.render import render_task_instances
from dynosaur_assets.curate.strict_rules import strict_rule_broken
from dynosaur_assets.curate.validity import validate_response
from dynosaur_assets.design.prompts import is_identifier_field
from dynosaur_assets.design.replies import design_rows, rules_replies
from dynosaur_assets.design.rules import labels, templates
from dynosaur_assets.design.rules.designer import design_tasks
from dynosaur_assets.design.rules.wordings import CLAUSES, INSTRUCTIONS, ONE_TEXT, SEVERAL_TEXTS
from dynosaur_assets.hub.source import local_hub_sources
from dynosaur_assets.method import PROMPT_KINDS
from dynosaur_assets.tasks import TaskDesign, TaskSource

SNAPSHOT = HUB_SNAPSHOT
VALUE = {"dtype": "string", "_type": "Value"}


def make_source(features: dict, rows: list[dict], description: str = "", **metadata) -> TaskSource:
    return TaskSource("demo", "default", "demo", features, rows, description=description, **metadata)


REVIEWS = make_source(
    {"text": VALUE, "label": {"names": ["negative", "positive"], "_type": "ClassLabel"}},
    [{"text": f"The kettle {what} after {n} days of use.", "label": label}
     for n, (what, label) in enumerate([("broke", "negative"), ("still works", "positive")] * 3)],
    description="Product reviews from an online shop, labelled with their sentiment.",
    pretty_name="Kettle Shop",
)
NLI = make_source(
    {"premise": VALUE, "hypothesis": VALUE,
     "label": {"names": ["entailment", "neutral", "contradiction"], "_type": "ClassLabel"}},
    [{"premise": f"A man plays guitar on stage number {i}.", "hypothesis": f"Someone makes music {i}.",
      "label": ["entailment", "neutral", "contradiction"][i % 3]} for i in range(6)],
    description="Sentence pairs annotated for natural language inference.",
)
SQUAD = make_source(
    {"id": VALUE, "title": VALUE, "context": VALUE, "question": VALUE,
     "answers": {"text": {"feature": VALUE, "_type": "List"}, "answer_start": {"feature": {"dtype": "int32"}}}},
    [{"id": f"5733be28{i}", "title": ["University_of_Notre_Dame", "Beyoncé", "Montana", "Genome"][i],
      "context": f"Architecturally, the school has a Catholic character number {i} and a golden dome.",
      "question": f"What sits on top of building {i}?",
      "answers": {"text": ["a golden dome"], "answer_start": [40]}} for i in range(4)],
    description="Stanford Question Answering Dataset: questions posed by crowdworkers on Wikipedia articles.",
)
CHOICES = make_source(
    {"question": VALUE, "choices": {"feature": VALUE, "_type": "List"}, "answerKey": VALUE, "url": VALUE},
    [{"question": f"Which tool fits job {i}?", "choices": ["hammer", "saw", "drill"], "answerKey": "ABC"[i % 3],
      "url": f"https://example.com/{i}"} for i in range(6)],
)


@pytest.mark.parametrize("source", [REVIEWS, NLI, SQUAD, CHOICES])
@pytest.mark.parametrize("kind", ["aware", "unaware"])
def test_every_proposal_is_valid_and_worded_as_a_sentence(source, kind):
    tasks = design_tasks(source, kind)
    valid, rejections = validate_response(tasks, list(source.rows[0]), kind)
    assert len(tasks) <= 3 and valid == tasks and rejections == []
    for task in tasks:
        assert task.instruction[0].isupper() and task.instruction.endswith(".")
        assert "_" not in task.instruction  # field names are turned into words, not pasted


def test_sentiment_classification_and_its_reverse():
    aware = {tuple(t.output_field): t for t in design_tasks(REVIEWS, "aware")}
    assert aware[("label",)].input_fields == ["text"]
    assert aware[("label",)].instruction == (
        "Read the product review and identify the sentiment it expresses (negative or positive)."
    )
    assert aware[("text",)].instruction == "Write a product review that expresses the given sentiment."


def test_unaware_wording_ignores_the_description():
    unaware = design_tasks(REVIEWS, "unaware")
    assert unaware and not any("product" in task.instruction for task in unaware)


def test_aware_prompt_is_skipped_without_description():
    assert design_tasks(dataclasses.replace(REVIEWS, description=" "), "aware") == []
    assert design_tasks(dataclasses.replace(REVIEWS, description=""), "unaware")


def test_nli_label_and_hypothesis_writing():
    tasks = {tuple(t.output_field): t for t in design_tasks(NLI, "aware")}
    assert tasks[("label",)].input_fields == ["premise", "hypothesis"]
    assert "entails the hypothesis, contradicts it, or neither" in tasks[("label",)].instruction
    assert tasks[("hypothesis",)].input_fields == ["premise", "label"]


def test_squad_like_tasks_never_use_the_nested_answers_or_the_id():
    tasks = design_tasks(SQUAD, "aware") + design_tasks(SQUAD, "unaware")
    used = {name for task in tasks for name in [*task.input_fields, *task.output_field]}
    assert "answers" not in used and "id" not in used
    pairs = {(tuple(t.input_fields), t.output_field[0]) for t in tasks}
    assert (("context",), "question") in pairs and (("context",), "title") in pairs


def test_multiple_choice_picks_the_letter_and_skips_urls():
    task = design_tasks(CHOICES, "aware") or design_tasks(CHOICES, "unaware")
    assert task[0].input_fields == ["question", "choices"] and task[0].output_field == ["answerKey"]
    assert "letter" in task[0].instruction
    assert all("url" not in [*t.input_fields, *t.output_field] for t in task)


def test_unaware_prefers_tasks_the_aware_kind_did_not_take():
    source = make_source(
        {"article": VALUE, "title": VALUE, "summary": VALUE, "topic": VALUE},
        [{"article": f"Long article text number {i} about a topic with many words in it.",
          "title": f"Title number {i}", "summary": f"Short summary {i} of it.",
          "topic": ["sport", "politics"][i % 2]}
         for i in range(4)],
        description="News articles with titles and summaries.",
    )
    aware, unaware = design_tasks(source, "aware"), design_tasks(source, "unaware")
    key = lambda task: (tuple(task.input_fields), tuple(task.output_field))  # noqa: E731
    assert len(aware) == 3 and set(map(key, unaware)) - set(map(key, aware))


def test_unknown_prompt_kind_is_an_error():
    with pytest.raises(ValueError):
        design_tasks(REVIEWS, "other")


def test_designer_reads_no_files(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the designer must not read files")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    assert design_tasks(NLI, "aware") and design_tasks(SQUAD, "unaware")


FORMS = set(ONE_TEXT) & set(SEVERAL_TEXTS)


def wording_calls() -> list[tuple[str, str, set[str]]]:
    """Every `instruction(...)` / `clause(...)` call of the templates: (function, a table key it
    names, the placeholder values it passes; `**forms` passes the pronoun forms)."""
    calls = []
    for module in (templates, labels):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"instruction", "clause"}:
                spreads_forms = any(kw.arg is None for kw in node.keywords)
                given = {kw.arg for kw in node.keywords if kw.arg} | (FORMS if spreads_forms else set())
                calls += [(node.func.id, key, given) for key in table_keys(node.args[0])]
    return calls


def table_keys(node: ast.expr) -> list[str]:
    """The keys a call's first argument names: a string, or either branch of `a if test else b`."""
    if isinstance(node, ast.IfExp):
        return table_keys(node.body) + table_keys(node.orelse)
    return [node.value] if isinstance(node, ast.Constant) else []


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_wording_in_the_table_is_used_and_gets_its_placeholders():
    calls = wording_calls()
    assert {key for function, key, _ in calls if function == "instruction"} == set(INSTRUCTIONS)
    assert {key for function, key, _ in calls if function == "clause"} == set(CLAUSES)
    for function, key, given in calls:
        texts = INSTRUCTIONS[key].values() if function == "instruction" else [CLAUSES[key]]
        assert all(placeholders(text) <= given for text in texts), key
    assert all(set(kinds) == set(PROMPT_KINDS) for kinds in INSTRUCTIONS.values())


# --- the share on the hub snapshot ----------------------------------------------------------------

def valid_tasks(source: TaskSource) -> int:
    """Valid tasks after §2 (both prompt kinds), §3 and §4, through the pipeline's own curation."""
    rows = [row for reply in rules_replies(source) for row in design_rows(source, reply)]
    return len(curate_source(source, rows).instructions)


def any_task_possible(source: TaskSource) -> bool:
    """An upper bound: some non-identifier field, produced from any single other field, survives §4 and
    the strict rules (§3.7)."""
    names = [name for name in source.rows[0] if not is_identifier_field(name)]
    for wanted in names:
        for given in (name for name in names if name != wanted):
            task = TaskDesign("x", [given], [wanted])
            verdict = check_label_space(task, source.rows)
            final = dataclasses.replace(task, instruction=verdict.instruction)
            if verdict.kept and render_task_instances(final, source).instances and \
                    not strict_rule_broken(final, 1, sample_rows(final, source)):
                return True
    return False


@pytest.fixture(scope="module")
def snapshot_results() -> list[tuple[TaskSource, bool]]:
    if not SNAPSHOT.exists():
        pytest.skip("../shared/hub-snapshot is absent")
    return [(source, valid_tasks(source) > 0) for source in local_hub_sources(SNAPSHOT)]


def share(results: list[tuple[TaskSource, bool]]) -> float:
    return sum(ok for _, ok in results) / len(results)


def test_snapshot_share_of_kept_configs_with_a_valid_task(snapshot_results):
    """The configs the pipeline keeps, under the default strict rules (measured: 45 of 68, 0.66; 52 of
    68 under the paper's rules: the 7 configs lost had only copy tasks (proto_qa) or placeholder rows
    (cnn_dailymail, hotpot_qa), see bench/strict_rules.py). A floor against regressions."""
    assert len(snapshot_results) >= 60 and share(snapshot_results) >= 0.65


def test_snapshot_share_of_configs_where_some_task_is_possible(snapshot_results):
    """Against the exhaustive upper bound (any field from any other field)."""
    possible = [(source, ok) for source, ok in snapshot_results if any_task_possible(source)]
    assert share(possible) >= 0.85  # measured under strict rules: 45 of 51, 0.88 (0.9 before them)
