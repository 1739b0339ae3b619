"""Prices, costs and offline token counts of designer calls (docs/method.md §6: cost accounting)."""

import json
from functools import partial

import pytest

from dynosaur_assets.design import pricing

# The example conversation of OpenAI's cookbook "How to count tokens with tiktoken"
# (github.com/openai/openai-cookbook, examples/How_to_count_tokens_with_tiktoken.ipynb), for which the
# OpenAI API itself reported 129 prompt tokens on gpt-3.5-turbo / gpt-4 (cl100k_base) and 124 on
# gpt-4o / gpt-4o-mini (o200k_base).
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate "
                                  "jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant",
     "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to "
                                                          "touch base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant",
     "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client "
                                "deliverable."},
]
COOKBOOK_PROMPT_TOKENS = {"gpt-3.5-turbo": 129, "gpt-4": 129, "gpt-4o": 124, "gpt-4o-mini": 124}


@pytest.mark.parametrize("model", pricing.DEFAULT_PRICES)
def test_known_models_cost_in_proportion_to_their_tokens(model):
    cost = partial(pricing.call_cost, model)
    assert pricing.PriceTable().price(model).known and cost(1000, 0, 0) > 0 and cost(0, 0, 0) == 0
    assert cost(2000, 0, 100) == pytest.approx(2 * cost(1000, 0, 50)) and cost(1000, 0, 1) > cost(1000, 0, 0)
    assert cost(1000, 0, 0) >= cost(1000, 1000, 0) > 0


def test_a_larger_model_costs_more_for_the_same_call():
    assert pricing.call_cost("gpt-4o", 1000, 200, 100) > pricing.call_cost("gpt-4o-mini", 1000, 200, 100)
    assert pricing.call_cost("gpt-4.1-mini", 1000, 0, 100) > pricing.call_cost("gpt-4.1-nano", 1000, 0, 100)


def test_snapshots_take_their_family_and_unknown_models_cost_nothing():
    table = pricing.PriceTable()
    assert table.price("gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("gpt-4o-2024-08-06") == table.price("gpt-4o")
    assert table.price("llama-3.1-8b-instruct") == pricing.UNKNOWN_PRICE
    assert table.price("gpt-3.5-turbo-0125") == table.price("gpt-3.5-turbo")
    assert not table.price("gpt-4o-minimal").known and not table.price("gpt-4o-audio-preview").known
    assert table.call_cost("qwen2.5:7b", 10_000, 0, 1_000) == 0.0


def test_call_cost_bills_cached_tokens_at_the_cached_rate():
    """Cached tokens are part of the prompt tokens: a call costs its uncached part plus its cached part,
    so caching saves where the table has a cheaper cached rate and nothing where it has none."""
    for model in pricing.DEFAULT_PRICES:
        cost = partial(pricing.call_cost, model)
        assert cost(1_000_000, 400_000, 200_000) == pytest.approx(cost(600_000, 0, 200_000) + cost(400_000, 400_000, 0))
        assert cost(1000, 5000, 0) == cost(1000, 1000, 0)  # never more cached than prompt tokens
    assert pricing.call_cost("gpt-4o-mini", 1000, 1000, 0) < pricing.call_cost("gpt-4o-mini", 1000, 0, 0)
    assert pricing.call_cost("gpt-3.5-turbo", 1000, 1000, 0) == pricing.call_cost("gpt-3.5-turbo", 1000, 0, 0)


def test_overrides_from_a_dict_or_a_json_file(tmp_path):
    overrides = {"gpt-4o-mini": {"input": 1.0, "output": 2.0}, "local-llama": {"input": 0, "output": 0}}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(overrides))
    for table in (pricing.PriceTable(overrides), pricing.PriceTable(path), pricing.PriceTable(str(path))):
        assert table.price("gpt-4o-mini") == pricing.ModelPrice(1.0, 1.0, 2.0)
        assert table.price("local-llama").known
        assert table.price("gpt-4o") == pricing.DEFAULT_PRICES["gpt-4o"]


def test_encodings_by_model():
    assert pricing.encoding_name("gpt-3.5-turbo") == "cl100k_base"
    assert pricing.encoding_name("gpt-4-0613") == "cl100k_base"
    for model in ("gpt-4o-mini", "gpt-4.1-nano", "o3-mini", "some-local-model"):
        assert pricing.encoding_name(model) == "o200k_base"


@pytest.mark.parametrize(("model", "tokens"), COOKBOOK_PROMPT_TOKENS.items())
def test_count_tokens_matches_what_the_api_reported(model, tokens):
    assert pricing.count_tokens(COOKBOOK_MESSAGES, model) == tokens


@pytest.mark.parametrize(("text", "cl100k", "o200k"), [
    # the cookbook's encoding comparison (tiktoken's counts)
    ("antidisestablishmentarianism", 6, 6),
    ("2 + 2 = 4", 7, 7),
    ("お誕生日おめでとう", 9, 8),
])
def test_count_text_tokens_per_encoding(text, cl100k, o200k):
    assert pricing.count_text_tokens(text, "gpt-4") == cl100k
    assert pricing.count_text_tokens(text, "gpt-4o") == o200k


def test_count_tokens_offline():
    hello = [{"role": "user", "content": "hello world"}]
    assert pricing.count_tokens(hello, "gpt-4o") == 3 + 1 + 2 + 3
    blocks = [{"role": "user", "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": " world"}]}]
    assert pricing.count_tokens(blocks, "gpt-4o") == pricing.count_tokens(hello, "gpt-4o")
    # "tokens " * 1000 is 1,001 cl100k tokens ("tokens", " tokens" 999 times, " "), counted once
    # with bpe_openai.get_encoding("cl100k_base").encode; plus 3 + 1 ("user") + 3 of chat framing
    long = [{"role": "user", "content": "tokens " * 1000}]
    assert pricing.count_tokens(long, "gpt-3.5-turbo") == 1_008


def test_estimate_cost_for_a_dry_run():
    conversations = [COOKBOOK_MESSAGES] * 100
    estimate = pricing.estimate_cost(conversations, "gpt-4o-mini", completion_tokens=256)
    assert estimate.requests == 100 and estimate.prompt_tokens == 12_400
    assert estimate.completion_tokens == 25_600 and estimate.price_known
    assert estimate.cost_usd == pytest.approx(pricing.call_cost("gpt-4o-mini", 12_400, 0, 25_600))
    cached = pricing.estimate_cost(conversations, "gpt-4o-mini", 256, cached_tokens_per_request=100)
    assert cached.cached_tokens == 10_000
    assert cached.cost_usd == pytest.approx(pricing.call_cost("gpt-4o-mini", 12_400, 10_000, 25_600))
    assert cached.cost_usd < estimate.cost_usd
    capped = pricing.estimate_cost(conversations, "gpt-4o-mini", 256, cached_tokens_per_request=500)
    assert capped.cached_tokens == 12_400
    assert not pricing.estimate_cost(conversations, "mistral-7b", 256).price_known
