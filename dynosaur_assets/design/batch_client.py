"""The Batch API through the `openai` SDK (`files.create`, `batches.create` / `retrieve` / `list`,
`files.content`), without Dagster: submit the requests not answered in `llm_calls` (nor waiting in an
open batch), recording each batch at once; ingest a finished batch's lines into `llm_calls` and
re-queue its failed or missing lines. Nothing is paid for twice: a batch created but not recorded (a
kill) is found again by the submission id in its metadata. The API key goes to the SDK only."""

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import openai
from pydantic import SecretStr

from dynosaur_assets.design.batch_lines import (
    CHAT_ENDPOINT, COMPLETION_WINDOW, MAX_BYTES_PER_BATCH, MAX_REQUESTS_PER_BATCH, PROJECT, BatchCallSettings,
    BatchLine, batch_line, batch_metadata, encode_line, output_rows, read_jsonl, split_lines, submission_id,
)
from dynosaur_assets.design.batch_store import (
    BatchOutcome, BatchRecord, batch_by_submission, batch_requests, in_open_batches, record_batch, record_outcome,
)
from dynosaur_assets.design.call_store import CallRow, DuckDBCallStore
from dynosaur_assets.design.llm_client import ClientSettings, DesignRequest, request_hash
from dynosaur_assets.design.pricing import PriceTable, count_tokens
from dynosaur_assets.openai_api import redact

log = logging.getLogger(__name__)

TERMINAL_STATUSES = frozenset({"completed", "expired", "failed", "cancelled"})
MAX_BATCH_ATTEMPTS = 3  # a line failed or missing this many batches running gets an error row, as in sync mode
LIST_PAGE = 100


class BatchAPIError(RuntimeError):
    """The Batch API refused or failed a call (the text has the API key redacted)."""


@dataclass(frozen=True)
class BatchLimits:
    """Requests and bytes per batch file (OpenAI's documented limits by default)."""

    max_requests: int = MAX_REQUESTS_PER_BATCH
    max_bytes: int = MAX_BYTES_PER_BATCH


@dataclass
class BatchSubmission:
    """What a submission left: answered calls by hash, the open batch of each waiting hash, the requests
    not submitted (budget), the batches created now and their estimated most cost."""

    answered: dict[str, CallRow] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)
    not_submitted: list[DesignRequest] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    estimated_cost_usd: float = 0.0


class BatchClient:
    """Submits and ingests batches of one model's chat requests over a DuckDB store."""

    def __init__(self, api_key: str, settings: ClientSettings, store: DuckDBCallStore | None,
                 prices: PriceTable | None = None, limits: BatchLimits | None = None) -> None:
        """`store` None: a client that only reads batch statuses (the sensor's)."""
        self.settings, self.store, self.conn = settings, store, store.conn if store else None
        self.prices = prices or PriceTable()
        self.limits = limits or BatchLimits()
        self._api_key = SecretStr(api_key)
        self._remote: dict[str, str] | None = None

    def request_hash(self, request: DesignRequest) -> str:
        """The `llm_calls` key of a request: the synchronous client's."""
        return request_hash(self.settings.model, request.messages, self.settings.request_params())

    def submit(self, requests: Sequence[DesignRequest], step: str, budget_usd: float | None = None) -> BatchSubmission:
        """Answer from `llm_calls`, leave requests of open batches waiting, and submit the others (as
        many as the budget allows at batch prices, every reply at the completion limit) in batches
        split by the limits."""
        hashes = [self.request_hash(request) for request in requests]
        stored = self.store.get_many(hashes)
        result = BatchSubmission(answered={h: row for h, row in stored.items() if row.error is None})
        result.waiting = in_open_batches(self.conn, [h for h in hashes if h not in result.answered])
        todo = {h: r for h, r in zip(hashes, requests) if h not in result.answered and h not in result.waiting}
        lines = []
        for digest, request in todo.items():
            cost = self.max_cost(request)
            if budget_usd is not None and result.estimated_cost_usd + cost > budget_usd:
                result.not_submitted.append(request)
                continue
            result.estimated_cost_usd += cost
            lines.append(batch_line(digest, self.settings, request))
        for chunk in split_lines(lines, self.limits.max_requests, self.limits.max_bytes):
            batch_id = self.submit_lines(chunk, step)
            result.submitted.append(batch_id)
            result.waiting.update((line.request_hash, batch_id) for line in chunk)
        return result

    def max_cost(self, request: DesignRequest) -> float:
        """The most a request costs in a batch: its prompt tokens, a reply at the completion limit."""
        return self.prices.call_cost(self.settings.model, count_tokens(request.messages, self.settings.model), 0,
                                     self.settings.max_tokens, "batch")

    def submit_lines(self, lines: Sequence[BatchLine], step: str, attempt: int = 1, parent: str | None = None) -> str:
        """The batch of these lines: recorded already, found among the server's batches by its submission
        id (created, then the process was killed), or uploaded and created now; recorded at once."""
        submission = submission_id([line.request_hash for line in lines], parent)
        recorded = batch_by_submission(self.conn, submission)
        if recorded:
            return recorded
        data = b"".join(line.line for line in lines)
        with self._api("submit a batch") as client:
            batch_id = self._remote_batches(client).get(submission)
            if batch_id is None:
                upload = client.files.create(file=(f"{submission}.jsonl", data, "application/jsonl"), purpose="batch")
                batch_id = client.batches.create(completion_window=COMPLETION_WINDOW, endpoint=CHAT_ENDPOINT,
                                                 input_file_id=upload.id,
                                                 metadata=batch_metadata(submission, step)).id
            else:
                log.warning("batch %s of submission %s was created before but not recorded: recorded now, not "
                            "submitted again", batch_id, submission)
            input_file_id = client.batches.retrieve(batch_id).input_file_id
        record = BatchRecord(batch_id, submission, step, self.settings.model, input_file_id, len(lines), len(data),
                             attempt, parent, _now())
        record_batch(self.conn, record, [line.info for line in lines])
        return batch_id

    def status(self, batch_id: str) -> str:
        """The batch's status on the server."""
        with self._api(f"read batch {batch_id}") as client:
            return client.batches.retrieve(batch_id).status

    def ingest(self, record: BatchRecord) -> BatchOutcome | None:
        """A finished batch (completed, expired, failed, cancelled): its answered lines into `llm_calls`
        (mode batch, batch prices), its failed and missing lines re-queued in a new batch (after
        MAX_BATCH_ATTEMPTS, stored as failed calls), its outcome recorded. None while it runs."""
        with self._api(f"read batch {record.batch_id}") as client:
            batch = client.batches.retrieve(record.batch_id)
            if batch.status not in TERMINAL_STATUSES:
                return None
            lines = [line for file_id in (batch.output_file_id, batch.error_file_id) if file_id
                     for line in read_jsonl(client.files.content(file_id).content)]
        requests = batch_requests(self.conn, record.batch_id)
        ended = batch.completed_at or batch.expired_at or batch.failed_at or batch.cancelled_at or int(time.time())
        sent = BatchCallSettings(record.model, self.settings.first_format(), float(max(ended - batch.created_at, 0)))
        rows, errors = output_rows(lines, requests, sent, self.prices)
        self.store.put_many(rows)
        answered = {row.request_hash for row in rows}
        left = [digest for digest in requests if digest not in answered]
        requeued = self._requeue(record, left, errors) if left else None
        outcome = BatchOutcome(record.batch_id, batch.status, len(rows), len(errors), len(left) - len(errors),
                               requeued, _now())
        record_outcome(self.conn, outcome)
        return outcome

    def _requeue(self, record: BatchRecord, left: list[str], errors: dict[str, str]) -> str | None:
        """A new batch of the lines left (read back from the batch's input file), or, after the last
        attempt, a failed `llm_calls` row for each."""
        requests = batch_requests(self.conn, record.batch_id)
        if record.attempt >= MAX_BATCH_ATTEMPTS:
            self.store.put_many([self._failed_row(requests[d], errors.get(d, "missing from the batch's output"))
                                 for d in left])
            return None
        with self._api(f"read the input of batch {record.batch_id}") as client:
            sent = {line["custom_id"]: line for line in read_jsonl(client.files.content(record.input_file_id).content)}
        lines = [BatchLine(digest, requests[digest], encode_line(sent[digest])) for digest in left]
        return self.submit_lines(lines, record.step, record.attempt + 1, record.batch_id)

    def _failed_row(self, info, error: str) -> CallRow:
        return CallRow(info.request_hash, self.settings.model, info.prompt_kind, info.dataset_id, info.task_name,
                       None, None, 0, 0, 0, 0.0, 0.0, f"batch: {error}", MAX_BATCH_ATTEMPTS,
                       self.settings.first_format(), _now(), "batch")

    def _remote_batches(self, client: openai.OpenAI) -> dict[str, str]:
        """This project's batches on the server by submission id (listed once per client)."""
        if self._remote is None:
            self._remote = {}
            for batch in client.batches.list(limit=LIST_PAGE):
                metadata = batch.metadata or {}
                if metadata.get("project") == PROJECT and metadata.get("submission_id"):
                    self._remote.setdefault(metadata["submission_id"], batch.id)
        return self._remote

    @contextmanager
    def _api(self, what: str) -> Iterator[openai.OpenAI]:
        """An SDK client (its own retries on 429 / 5xx); its errors as `BatchAPIError`, key redacted."""
        key = self._api_key.get_secret_value()
        client = openai.OpenAI(api_key=key, base_url=self.settings.base_url, timeout=self.settings.timeout_s,
                               max_retries=self.settings.max_retries)
        try:
            yield client
        except openai.OpenAIError as error:
            raise BatchAPIError(redact(f"cannot {what} at {self.settings.base_url}: {type(error).__name__}: {error}",
                                       key)[:500]) from None
        finally:
            client.close()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
