"""Token counts and USD costs of designer calls (docs/method.md §6: the original had no cost accounting).

Prices are USD per 1M tokens (input, cached input, output). A dated snapshot such as
`gpt-4o-mini-2024-07-18` takes its family's price; an unknown or local model costs 0 and is flagged
`known=False`. Calls through the Batch API (`mode="batch"`) cost half, as OpenAI prices them.
Tokens are counted offline with `bpe_openai` (tiktoken downloads vocabularies).
"""

import json
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import bpe_openai

TOKENS_PER_PRICE = 1_000_000
LLM_MODES = ("sync", "batch")
BATCH_PRICE_FACTOR = 0.5  # OpenAI's Batch API: half the synchronous price, input and output alike
# OpenAI's chat format: each message costs a few tokens of framing, and the reply is primed.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
_CL100K_PREFIXES = ("gpt-3.5", "gpt-4")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens; `known` is False for the zero-price fallback."""

    input: float
    cached_input: float
    output: float
    known: bool = True


UNKNOWN_PRICE = ModelPrice(0.0, 0.0, 0.0, known=False)
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.075, 0.60),
    "gpt-4o": ModelPrice(2.50, 1.25, 10.00),
    "gpt-4.1-mini": ModelPrice(0.40, 0.10, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.025, 0.40),
    "gpt-3.5-turbo": ModelPrice(0.50, 0.50, 1.50),
}


@dataclass(frozen=True)
class CostEstimate:
    """A dry run: exact prompt tokens, completion tokens as assumed, and the USD they would cost."""

    model: str
    requests: int
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    cost_usd: float
    price_known: bool


class PriceTable:
    """Model prices: the defaults, optionally overridden from a dict or a JSON file of the same shape
    (`{"model": {"input": 0.15, "cached_input": 0.075, "output": 0.6}}`)."""

    def __init__(self, overrides: Mapping[str, Mapping] | str | Path | None = None) -> None:
        self.prices = dict(DEFAULT_PRICES)
        if isinstance(overrides, (str, Path)):
            overrides = json.loads(Path(overrides).read_text(encoding="utf-8"))
        for model, price in (overrides or {}).items():
            self.prices[model] = ModelPrice(
                float(price["input"]), float(price.get("cached_input", price["input"])), float(price["output"])
            )

    def price(self, model: str) -> ModelPrice:
        """The model's price; a dated snapshot (`gpt-4o-2024-08-06`, `gpt-3.5-turbo-0125`) takes its family's."""
        if model in self.prices:
            return self.prices[model]
        family = _SNAPSHOT.sub("", model)
        return self.prices.get(family, UNKNOWN_PRICE)

    def call_cost(self, model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int,
                  mode: str = "sync") -> float:
        """USD of one call; `cached_tokens` are part of `prompt_tokens` and billed at the cached rate;
        a `batch` call at half price."""
        price = self.price(model)
        cached = min(max(cached_tokens, 0), prompt_tokens)
        total = (prompt_tokens - cached) * price.input + cached * price.cached_input
        return (total + completion_tokens * price.output) / TOKENS_PER_PRICE * mode_price_factor(mode)


def mode_price_factor(mode: str | None) -> float:
    """What a call costs in this mode relative to a synchronous one (None: a row written before modes, sync)."""
    if mode not in (*LLM_MODES, None):
        raise ValueError(f"DYNOSAUR_LLM_MODE must be one of {', '.join(LLM_MODES)}, got {mode!r}")
    return BATCH_PRICE_FACTOR if mode == "batch" else 1.0


def call_cost(
    model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int, prices: PriceTable | None = None
) -> float:
    """USD of one call with the default (or given) price table."""
    return (prices or PriceTable()).call_cost(model, prompt_tokens, cached_tokens, completion_tokens)


def encoding_name(model: str) -> str:
    """`cl100k_base` for gpt-3.5 / gpt-4, `o200k_base` for newer OpenAI models and as a guess for others."""
    older = model.startswith(_CL100K_PREFIXES) and not model.startswith(_O200K_PREFIXES)
    return "cl100k_base" if older else "o200k_base"


@lru_cache(maxsize=None)
def _encoding(name: str) -> "bpe_openai.Encoding":
    """Imported on first use: bpe_openai 0.1.4 reads its vocabularies at import (~1 s) with a
    deprecated importlib call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        return bpe_openai.get_encoding(name)


def count_text_tokens(text: str, model: str) -> int:
    """Tokens of a plain text for the model's encoding."""
    return len(_encoding(encoding_name(model)).encode(text))


def count_tokens(messages: Iterable[Mapping], model: str) -> int:
    """Prompt tokens of chat messages, offline: content (a string or text blocks), role, name and
    OpenAI's per-message framing. Exact for OpenAI models, an estimate for others."""
    encoding = _encoding(encoding_name(model))
    total = TOKENS_PER_REPLY
    for message in messages:
        texts = [str(message.get("role", "")), _content_text(message.get("content")), str(message.get("name", ""))]
        total += TOKENS_PER_MESSAGE + sum(len(encoding.encode(text)) for text in texts if text)
        total += 1 if message.get("name") else 0
    return total


def estimate_cost(
    conversations: Iterable[Iterable[Mapping]],
    model: str,
    completion_tokens: int,
    cached_tokens_per_request: int = 0,
    prices: PriceTable | None = None,
    mode: str = "sync",
) -> CostEstimate:
    """A dry run over the prompts of a run: exact prompt tokens, `completion_tokens` assumed per call
    (the max-tokens limit gives an upper bound) and `cached_tokens_per_request` assumed cached, at the
    prices of `mode`."""
    counts = [count_tokens(messages, model) for messages in conversations]
    table = prices or PriceTable()
    cached = sum(min(cached_tokens_per_request, count) for count in counts)
    completions = completion_tokens * len(counts)
    cost = table.call_cost(model, sum(counts), cached, completions, mode)
    return CostEstimate(model, len(counts), sum(counts), cached, completions, cost, table.price(model).known)


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, Mapping))
    return ""
