"""The `TaskReviewer` resource: the design LLM's server and model (the same environment variables as
`TaskDesigner`), asked for verdicts through the same client and `llm_calls` cache: never re-paid,
costed, under the run's budget."""

import logging

import dagster as dg
import duckdb
from pydantic import Field

from dynosaur_assets.design.batch_client import BatchAPIError, BatchClient, BatchLimits
from dynosaur_assets.design.call_store import DuckDBCallStore
from dynosaur_assets.design.designer import OPENAI_DESIGNER, TaskDesigner, progress_logger
from dynosaur_assets.design.llm_client import DesignClient, ServerUnreachable
from dynosaur_assets.design.pricing import PriceTable, estimate_cost, mode_price_factor
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.review.prompts import REVIEW_MAX_COMPLETION_TOKENS, ReviewTask
from dynosaur_assets.review.reviews import (
    ReviewRun, review_request, review_settings, review_with_client, reviews_from_calls, unreviewed,
)

REVIEWERS = ("auto", "openai", "off")


class TaskReviewer(dg.ConfigurableResource):
    """Reviews valid tasks with the LLM: `auto` when the designer is the LLM, `openai` always (also
    beside the rule designer), `off` never (every task `not_reviewed`)."""

    reviewer: str = Field(default="auto", description="DYNOSAUR_REVIEWER: auto, openai or off")
    designer: str = Field(default="auto", description="DYNOSAUR_DESIGNER (auto follows it)")
    api_key: str = Field(default="", description="OPENAI_API_KEY (never logged or stored)")
    base_url: str = Field(default="", description="OPENAI_BASE_URL: any OpenAI-compatible server")
    model: str = Field(default=ENV_DEFAULTS["DYNOSAUR_MODEL"], description="DYNOSAUR_MODEL")
    requests_per_minute: int = Field(default=0, description="DYNOSAUR_LLM_RPM: requests a minute, 0: no cap")
    timeout_s: int = Field(default=60, description="DYNOSAUR_LLM_TIMEOUT_S: seconds to wait for one reply")
    response_format: str = Field(default="auto", description="DYNOSAUR_RESPONSE_FORMAT")
    prices_file: str = Field(default="", description="JSON price overrides per model")

    def uses_llm(self) -> bool:
        """Whether reviews call the LLM (a clear error for an unknown DYNOSAUR_REVIEWER)."""
        if self.reviewer not in REVIEWERS:
            raise ValueError(f"DYNOSAUR_REVIEWER must be one of {', '.join(REVIEWERS)}, got {self.reviewer!r}")
        if self.reviewer == "off":
            return False
        return self.reviewer == OPENAI_DESIGNER or self._designer().chosen() == OPENAI_DESIGNER

    def review(self, tasks: list[ReviewTask], conn: duckdb.DuckDBPyConnection, log: logging.Logger,
               budget_usd: float | None = None, concurrency: int = 32, mode: str = "sync",
               limits: BatchLimits | None = None) -> ReviewRun:
        """A verdict row per task (not_reviewed without an LLM). In batch mode the tasks not answered in
        `llm_calls` go to the Batch API: their datasets are in `waiting` with their batches."""
        mode_price_factor(mode)  # a clear error for an unknown mode
        if not self.uses_llm():
            log.info("task reviewer: none (no LLM configured, or DYNOSAUR_REVIEWER=off): every task not_reviewed")
            return unreviewed(tasks)
        log.info(f"task reviewer: {self.model} ({mode})")
        client = self._client(conn, budget_usd, concurrency, log)
        if mode == "batch":
            return self._review_with_batch(client, tasks, budget_usd, limits)
        try:
            return review_with_client(client, tasks)
        except ServerUnreachable as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    def _review_with_batch(self, client: DesignClient, tasks: list[ReviewTask], budget_usd: float | None,
                           limits: BatchLimits | None) -> ReviewRun:
        batches = BatchClient(self.api_key, client.settings, client.store, client.prices, limits)
        try:
            submission = batches.submit([review_request(task) for task in tasks], "review", budget_usd)
        except BatchAPIError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        run = reviews_from_calls(client, tasks, submission.answered,
                                 {"mode": "batch", "cache_hits": len(submission.answered),
                                  "batches_submitted": len(submission.submitted)})
        for task in tasks:
            digest = client.request_hash(review_request(task))
            if digest not in submission.answered:
                batch = submission.waiting.get(digest)
                run.waiting.setdefault(task.dataset_id, set()).update([batch] if batch else [])
        return run

    def estimate(self, tasks: list[ReviewTask], conn: duckdb.DuckDBPyConnection, mode: str = "sync") -> dict:
        """A dry run: the review requests a run would send (stored ones are not sent again), their
        prompt tokens and the most they could cost."""
        requests = [review_request(task) for task in tasks] if self.uses_llm() else []
        client = self._client(conn)
        stored = client.store.get_many(client.request_hash(r) for r in requests)
        to_send = [r for r in requests if client.request_hash(r) not in stored]
        prices = PriceTable(self.prices_file or None)
        cost = estimate_cost([r.messages for r in to_send], self.model, REVIEW_MAX_COMPLETION_TOKENS, prices=prices,
                             mode=mode)
        return {"requests": len(to_send), "already_stored": len(stored), "prompt_tokens": cost.prompt_tokens,
                "max_cost_usd": round(cost.cost_usd, 6)}

    def _designer(self) -> TaskDesigner:
        return TaskDesigner(designer=self.designer, api_key=self.api_key, base_url=self.base_url, model=self.model,
                            requests_per_minute=self.requests_per_minute, timeout_s=self.timeout_s,
                            response_format=self.response_format, prices_file=self.prices_file)

    def _client(self, conn: duckdb.DuckDBPyConnection, budget_usd: float | None = None, concurrency: int = 32,
                log: logging.Logger | None = None) -> DesignClient:
        settings = review_settings(self._designer().settings(budget_usd, concurrency))
        return DesignClient(self.api_key, DuckDBCallStore(conn), settings, PriceTable(self.prices_file or None),
                            progress=progress_logger(log) if log else None)
