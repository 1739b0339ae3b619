"""The `TaskDesigner` resource: the LLM designer over any OpenAI-compatible API, or the rule-based one.

`DYNOSAUR_DESIGNER=auto` uses the LLM when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, else rules.
Every LLM response is stored in `llm_calls` as it arrives and reused by hash, never paid for twice.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import dagster as dg
import duckdb
from pydantic import Field

from dynosaur_assets.design.batch_client import BatchAPIError, BatchClient, BatchLimits
from dynosaur_assets.design.call_store import CallRow, DuckDBCallStore
from dynosaur_assets.design.llm_client import (
    ClientSettings,
    DesignClient,
    DesignRequest,
    Progress,
    ServerUnreachable,
)
from dynosaur_assets.design.parse import parse_response
from dynosaur_assets.design.pricing import PriceTable, estimate_cost, mode_price_factor
from dynosaur_assets.design.prompts import design_messages, prompt_kinds, too_few_prompt_fields
from dynosaur_assets.design.replies import DesignReply, rules_replies
from dynosaur_assets.method import DESIGN_MAX_COMPLETION_TOKENS, DESIGN_TEMPERATURE
from dynosaur_assets.openai_api import DEFAULT_BASE_URL
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.tasks import TaskSource

OPENAI_DESIGNER = "openai"
PROMPT_VERSION = "4"


@dataclass
class DesignRun:
    """What one designer run produced: replies per task name, datasets left undone and why."""

    designer: str
    replies: dict[str, list[DesignReply]] = field(default_factory=dict)
    unfinished: set[str] = field(default_factory=set)
    stop_reason: str = ""
    metadata: dict = field(default_factory=dict)


class TaskDesigner(dg.ConfigurableResource):
    """Designs tasks for task sources with the configured designer. Per-run choices (budget,
    concurrency, dry run) are the design step's run config, `DesignRunConfig`."""

    designer: str = Field(default="auto", description="auto, openai or rules")
    api_key: str = Field(default="", description="OPENAI_API_KEY (never logged or stored)")
    base_url: str = Field(default="", description="OPENAI_BASE_URL: any OpenAI-compatible server")
    model: str = Field(default=ENV_DEFAULTS["DYNOSAUR_MODEL"], description="DYNOSAUR_MODEL")
    temperature: float = DESIGN_TEMPERATURE
    max_completion_tokens: int = DESIGN_MAX_COMPLETION_TOKENS
    requests_per_minute: int = Field(default=0, description="DYNOSAUR_LLM_RPM: requests a minute, 0: no cap")
    timeout_s: int = Field(default=60, description="DYNOSAUR_LLM_TIMEOUT_S: seconds to wait for one reply")
    response_format: str = Field(default="auto", description="DYNOSAUR_RESPONSE_FORMAT: auto, json_schema, "
                                 "json_object or none")
    max_retries: int = 6
    prices_file: str = Field(default="", description="JSON price overrides per model")

    def chosen(self) -> str:
        """The designer `auto` resolves to."""
        if self.designer == "auto":
            return OPENAI_DESIGNER if (self.api_key or self.base_url) else "rules"
        if self.designer not in {OPENAI_DESIGNER, "rules"}:
            raise ValueError(f"DYNOSAUR_DESIGNER must be auto, openai or rules, got {self.designer!r}")
        return self.designer

    def design(
        self, sources: list[TaskSource], conn: duckdb.DuckDBPyConnection, log: logging.Logger,
        budget_usd: float | None = None, concurrency: int = 32, mode: str = "sync", limits: BatchLimits | None = None,
    ) -> DesignRun:
        """Replies for every source and prompt kind (in batch mode, those stored; the others submitted)."""
        mode_price_factor(mode)  # a clear error for an unknown mode
        chosen = self.chosen()
        log.info(f"task designer: {chosen}" + (f" ({self.model}, {mode})" if chosen == OPENAI_DESIGNER else ""))
        if chosen == "rules":
            return DesignRun("rules", {s.task_name: rules_replies(s) for s in sources})
        client = DesignClient(self.api_key, DuckDBCallStore(conn), self.settings(budget_usd, concurrency),
                              PriceTable(self.prices_file or None), progress=progress_logger(log))
        if mode == "batch":
            batches = BatchClient(self.api_key, client.settings, client.store, client.prices, limits)
            return self._design_with_batch(batches, client, sources, budget_usd, log)
        return self._design_with_llm(client, sources)

    def estimate(self, sources: dict[str, list[TaskSource]], conn: duckdb.DuckDBPyConnection,
                 mode: str = "sync") -> dict[str, dict]:
        """A dry run: per dataset and in total, the LLM requests a run would send (requests whose reply is
        stored in `llm_calls` are not sent again), their exact prompt tokens and the most they could cost
        (every reply at the completion limit, at the prices of `mode`). The rule designer sends none."""
        prices = PriceTable(self.prices_file or None)
        client = DesignClient(self.api_key, DuckDBCallStore(conn), self.settings(), prices)
        llm = self.chosen() == OPENAI_DESIGNER
        rows = {}
        for dataset_id, group in sources.items():
            requests = self.requests(group) if llm else []
            stored = client.store.get_many(client.request_hash(r) for r in requests)
            to_send = [r for r in requests if client.request_hash(r) not in stored]
            cost = estimate_cost([r.messages for r in to_send], self.model, self.max_completion_tokens, prices=prices,
                                 mode=mode)
            rows[dataset_id] = {"dataset": dataset_id, "requests": len(to_send), "already_stored": len(stored),
                                "prompt_tokens": cost.prompt_tokens, "max_cost_usd": round(cost.cost_usd, 6)}
        total = {"dataset": "total", **{key: sum(row[key] for row in rows.values())
                                        for key in ("requests", "already_stored", "prompt_tokens")},
                 "max_cost_usd": round(sum(row["max_cost_usd"] for row in rows.values()), 6)}
        return rows | {"total": total}

    def settings(self, budget_usd: float | None = None, concurrency: int = 32) -> ClientSettings:
        return ClientSettings(
            model=self.model,
            base_url=self.base_url or DEFAULT_BASE_URL,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            concurrency=concurrency,
            requests_per_minute=self.requests_per_minute or None,
            response_format=self.response_format,
            temperature=self.temperature,
            max_tokens=self.max_completion_tokens,
            budget_usd=budget_usd,
        )

    def requests(self, sources: list[TaskSource]) -> list[DesignRequest]:
        """One request per source and prompt kind (§2), skipping sources with ≤ 1 prompt field (§7)."""
        return [
            DesignRequest(s.dataset_id, kind, design_messages(s, kind), s.task_name)
            for s in sources
            if not too_few_prompt_fields(s)
            for kind in prompt_kinds(s)
        ]

    def _design_with_llm(self, client: DesignClient, sources: list[TaskSource]) -> DesignRun:
        requests = self.requests(sources)
        run = DesignRun(OPENAI_DESIGNER)
        try:
            result = client.run_sync(requests)
        except ServerUnreachable as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        calls = {row.request_hash: row for row in result.rows if row is not None}
        _replies_from_calls(run, client, requests, calls)
        run.metadata = {
            "llm/requests_sent": result.requests_sent,
            "llm/cache_hits": result.cache_hits,
            "llm/cost_usd": dg.MetadataValue.float(result.cost_usd),
            **_token_metadata(calls.values()),
        }
        return run

    def _design_with_batch(self, batches: BatchClient, client: DesignClient, sources: list[TaskSource],
                           budget_usd: float | None, log: logging.Logger) -> DesignRun:
        """Replies of the prompts answered in `llm_calls`; the others go to the Batch API (those of
        open batches wait for them) and leave their datasets unfinished, naming the batches."""
        requests = self.requests(sources)
        try:
            submission = batches.submit(requests, "design", budget_usd)
        except BatchAPIError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        run = DesignRun(OPENAI_DESIGNER)
        _replies_from_calls(run, client, requests, submission.answered)
        if submission.waiting:
            names = ", ".join(sorted(set(submission.waiting.values())))
            run.stop_reason = (f"{len(submission.waiting)} prompts wait for OpenAI batches ({names}); the "
                               "llm_batches sensor ingests their replies and requests these partitions' run")
            log.info(f"batch mode: submitted {len(submission.submitted)} batches, "
                     f"estimated at most ${submission.estimated_cost_usd:.4f} at batch prices")
        if submission.not_submitted:
            run.stop_reason = "the budget was reached" + (f"; {run.stop_reason}" if run.stop_reason else "")
        run.metadata = {"llm/mode": "batch", "llm/cache_hits": len(submission.answered),
                        "llm/batches_submitted": len(submission.submitted),
                        "llm/batches_waiting": dg.MetadataValue.json(sorted(set(submission.waiting.values()))),
                        "llm/batch_estimated_max_cost_usd": dg.MetadataValue.float(submission.estimated_cost_usd),
                        **_token_metadata(submission.answered.values())}
        return run


def _replies_from_calls(run: DesignRun, client: DesignClient, requests: list[DesignRequest],
                        calls: dict[str, CallRow]) -> None:
    """The parsed reply of each request answered in `calls`; the datasets of the others unfinished."""
    for request in requests:
        digest = client.request_hash(request)
        call = calls.get(digest)
        if call is None or call.error:
            run.unfinished.add(request.dataset_id)
            run.stop_reason = "the budget was reached" if call is None else f"a call failed: {call.error}"
            continue
        reply = DesignReply(request.prompt_kind, parse_response(call.response_text, call.finish_reason),
                            OPENAI_DESIGNER, PROMPT_VERSION, call.model, digest)
        run.replies.setdefault(request.task_name, []).append(reply)


def _token_metadata(calls: Iterable[CallRow]) -> dict[str, int]:
    calls = list(calls)
    return {"llm/prompt_tokens": sum(r.prompt_tokens for r in calls),
            "llm/completion_tokens": sum(r.completion_tokens for r in calls),
            "llm/cached_tokens": sum(r.cached_tokens for r in calls)}


def progress_logger(log: logging.Logger):
    def report(progress: Progress) -> None:
        log.info(
            f"LLM calls {progress.done}/{progress.total} (cache hits {progress.cache_hits}, failed {progress.failed}), "
            f"tokens {progress.prompt_tokens}+{progress.completion_tokens}, ${progress.cost_usd:.4f}"
        )

    return report
