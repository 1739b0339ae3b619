"""Reviews of valid tasks, without Dagster: the tasks to review (from `instructions` and their first
rendered instances), the review requests, and the `task_reviews` rows from the calls the design
client answered (from `llm_calls` or the server). No verdict is ever made up: a task without an
answer is `not_reviewed` (with why), a reply without a readable verdict is `unparsed`."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import duckdb

from dynosaur_assets.design.call_store import CallRow
from dynosaur_assets.design.llm_client import ClientSettings, DesignClient, DesignRequest
from dynosaur_assets.review.parse import parse_verdict
from dynosaur_assets.review.prompts import (
    NOT_REVIEWED,
    REVIEW_INSTANCES,
    REVIEW_MAX_COMPLETION_TOKENS,
    REVIEW_PROMPT_KIND,
    REVIEW_TEMPERATURE,
    UNPARSED,
    ReviewTask,
    response_format,
    review_messages,
    review_task,
)

NO_LLM_REASON = "no LLM reviewer configured"
BUDGET_REASON = "the budget was reached before this task was sent"


@dataclass
class ReviewRun:
    """The `task_reviews` rows of a run by dataset, parse errors by kind, the LLM's counts, and (batch
    mode) the datasets left unfinished with the batches their reviews wait for (none: the budget)."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    waiting: dict[str, set[str]] = field(default_factory=dict)
    parse_errors: Counter = field(default_factory=Counter)
    llm: dict = field(default_factory=dict)


def load_review_tasks(conn: duckdb.DuckDBPyConnection, dataset_ids: Sequence[str]) -> dict[str, list[ReviewTask]]:
    """Every valid task of the datasets with its first REVIEW_INSTANCES instances by instance_idx, by
    dataset (every dataset asked for has an entry), in (dataset_id, task_id) order."""
    rows = conn.execute(f"""
        SELECT i.dataset_id, i.task_id, i.task_name, i.instruction, i.input_fields, i.output_field,
               list([s.input, s.output] ORDER BY s.instance_idx) FILTER (s.instance_idx IS NOT NULL) AS instances
        FROM instructions i
        LEFT JOIN (SELECT * FROM instruction_samples WHERE dataset_id IN (SELECT unnest($ids::VARCHAR[]))
                   QUALIFY row_number() OVER (PARTITION BY dataset_id, task_id ORDER BY instance_idx)
                           <= {REVIEW_INSTANCES}) s
               ON s.dataset_id = i.dataset_id AND s.task_id = i.task_id
        WHERE i.dataset_id IN (SELECT unnest($ids::VARCHAR[]))
        GROUP BY ALL ORDER BY i.dataset_id, i.task_id""", {"ids": list(dataset_ids)}).fetchall()
    tasks: dict[str, list[ReviewTask]] = {dataset_id: [] for dataset_id in dataset_ids}
    for dataset_id, task_id, task_name, instruction, inputs, output, instances in rows:
        pairs = [(given, expected) for given, expected in instances or []]
        tasks[dataset_id].append(review_task(dataset_id, task_id, task_name, instruction, inputs, output, pairs))
    return tasks


def review_settings(design: ClientSettings) -> ClientSettings:
    """The design client's settings for reviews: the review schema, temperature and completion limit."""
    return replace(design, json_schema_format=response_format(), temperature=REVIEW_TEMPERATURE,
                   max_tokens=REVIEW_MAX_COMPLETION_TOKENS)


def review_request(task: ReviewTask) -> DesignRequest:
    """The request reviewing one task (prompt kind `review` in llm_calls)."""
    return DesignRequest(task.dataset_id, REVIEW_PROMPT_KIND, review_messages(task), task.task_name)


def review_row(task: ReviewTask, verdict: str, reason: str, reviewer: str | None = None,
               request_hash: str | None = None, parse_error: str | None = None) -> dict:
    """One `task_reviews` row."""
    return {"dataset_id": task.dataset_id, "task_id": task.task_id, "verdict": verdict, "reason": reason,
            "reviewer": reviewer, "request_hash": request_hash, "parse_error": parse_error,
            "reviewed_at": datetime.now(timezone.utc).replace(tzinfo=None)}


def unreviewed(tasks: Sequence[ReviewTask], reason: str = NO_LLM_REASON) -> ReviewRun:
    """Every task `not_reviewed`, with the reason."""
    run = ReviewRun()
    for task in tasks:
        run.rows.setdefault(task.dataset_id, []).append(review_row(task, NOT_REVIEWED, reason))
    return run


def review_with_client(client: DesignClient, tasks: Sequence[ReviewTask]) -> ReviewRun:
    """Review every task through the client (stored answers first); tasks left unsent by the budget, or
    whose call failed, are `not_reviewed`. Raises the client's `ServerUnreachable`."""
    requests = [review_request(task) for task in tasks]
    result = client.run_sync(requests)
    calls = {row.request_hash: row for row in result.rows}
    return reviews_from_calls(client, tasks, calls, {"requests_sent": result.requests_sent,
                                                     "cache_hits": result.cache_hits, "cost_usd": result.cost_usd})


def reviews_from_calls(client: DesignClient, tasks: Sequence[ReviewTask], calls: dict[str, CallRow],
                       llm: dict) -> ReviewRun:
    """The review rows of the tasks from their calls (`not_reviewed` where a call is missing or failed)."""
    run = ReviewRun(llm={**llm, "prompt_tokens": sum(c.prompt_tokens for c in calls.values()),
                         "completion_tokens": sum(c.completion_tokens for c in calls.values())})
    for task in tasks:
        digest = client.request_hash(review_request(task))
        row = _row_from_call(task, calls.get(digest), digest, run.parse_errors)
        run.rows.setdefault(task.dataset_id, []).append(row)
    return run


def _row_from_call(task: ReviewTask, call: CallRow | None, digest: str, parse_errors: Counter) -> dict:
    if call is None:
        return review_row(task, NOT_REVIEWED, BUDGET_REASON)
    if call.error:
        return review_row(task, NOT_REVIEWED, f"the call failed: {call.error}", call.model, digest)
    parsed = parse_verdict(call.response_text, call.finish_reason)
    if parsed.verdict is None:
        parse_errors[parsed.error] += 1
        detail = f"{parsed.error}: {parsed.detail}" if parsed.detail else parsed.error
        return review_row(task, UNPARSED, detail, call.model, digest, parsed.error)
    return review_row(task, parsed.verdict, parsed.reason, call.model, digest)
