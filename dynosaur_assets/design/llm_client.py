"""An async chat-completions client for the LLM designer, without Dagster (docs/method.md §2, §6).

Where the original called the API sequentially and pickled every reply once at the end, this client
runs calls concurrently (32 workers by default) through the `openai` SDK's `chat.completions.create`
on its aiohttp transport, under a requests-per-minute cap (`aiolimiter`), with `tenacity` retrying
429 (honouring Retry-After), 408/409, 5xx, timeouts and connection errors. Every finished call goes
to a `CallStore` the moment it arrives, keyed by a hash of the request, so a crash loses nothing paid
for and a re-run only asks for what is missing. A run stops sending once its spend reaches the budget.
`completion.py` reads each answer's body, so that a body the SDK cannot parse is stored, not raised.
The API key goes to the `openai` client only: it is never logged, stored, or kept in a row.
"""

import asyncio
import email.utils
import hashlib
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import openai
from aiolimiter import AsyncLimiter
from openai._legacy_response import LegacyAPIResponse
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from dynosaur_assets.design.call_store import CallRow, CallStore
from dynosaur_assets.design.completion import Answer, read_answer
from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.design.prompts import response_format as task_schema_format
from dynosaur_assets.method import DESIGN_MAX_COMPLETION_TOKENS, DESIGN_TEMPERATURE
from dynosaur_assets.openai_api import DEFAULT_BASE_URL, redact
from dynosaur_assets.paths import ENV_DEFAULTS

log = logging.getLogger(__name__)

RESPONSE_FORMATS = ("auto", "json_schema", "json_object", "none")
AUTO_FALLBACK = {"json_schema": "json_object", "json_object": "none"}
FORMAT_REJECTION_STATUS = frozenset({400, 422})
RETRYABLE_STATUS = frozenset({408, 409, 429})  # and every 5xx
BACKOFF_MAX_S = 60.0
CONNECT_RETRY_DELAYS_S = (0.5, 1.0, 2.0)
ERROR_TEXT_CHARS = 500


class ServerUnreachable(RuntimeError):
    """Nothing accepts connections at the server's URL (refused, or the host name does not resolve)."""


@dataclass(frozen=True)
class DesignRequest:
    """One prompt to send: which task source and prompt kind it designs for, and its chat messages."""

    dataset_id: str
    prompt_kind: str
    messages: list[dict]
    task_name: str = ""


@dataclass(frozen=True)
class ClientSettings:
    """How to call the model. `max_retries` counts the retries after a request's first attempt (a
    refused connection has its own short ones, `CONNECT_RETRY_DELAYS_S`). `budget_usd` is checked before
    each new request, so calls already in flight may overshoot it by at most `concurrency` calls."""

    model: str = ENV_DEFAULTS["DYNOSAUR_MODEL"]  # the designer's default too (DYNOSAUR_MODEL)
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 60.0
    max_retries: int = 6
    concurrency: int = 32
    requests_per_minute: float | None = None
    backoff_base_s: float = 1.0
    temperature: float = DESIGN_TEMPERATURE
    max_tokens: int = DESIGN_MAX_COMPLETION_TOKENS
    response_format: str = "auto"
    budget_usd: float | None = None
    progress_every_s: float = 5.0
    json_schema_format: dict | None = None  # the `json_schema` response format; None: the task design schema

    def __post_init__(self) -> None:
        if self.response_format not in RESPONSE_FORMATS:
            raise ValueError(f"DYNOSAUR_RESPONSE_FORMAT must be one of {', '.join(RESPONSE_FORMATS)}, "
                             f"got {self.response_format!r}")

    def first_format(self) -> str:
        """The response format a run starts with (`auto` starts with the strict JSON schema)."""
        return "json_schema" if self.response_format == "auto" else self.response_format

    def request_params(self, response_format: str | None = None) -> dict:
        """The parameters sent besides model and messages. Called without a format they are the
        parameters of the run's first attempt, which are hashed with the messages: a reply obtained after
        a fallback is stored under the same key and found again by the next run."""
        params: dict = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        chosen = response_format or self.first_format()
        if chosen != "none":
            schema = self.json_schema_format or task_schema_format()
            params["response_format"] = schema if chosen == "json_schema" else {"type": chosen}
        return params


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run for the progress callback; tokens and cost count this run's calls only."""

    done: int
    total: int
    cache_hits: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost_usd: float
    elapsed_s: float


@dataclass
class RunResult:
    """Rows in request order (stored and new, failures included) and the requests not sent (budget)."""

    rows: list[CallRow]
    not_requested: list[DesignRequest]
    cache_hits: int
    requests_sent: int
    cost_usd: float


@dataclass
class _RunState:
    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    cache_hits: int = 0
    failed: int = 0
    requests_sent: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, row: CallRow) -> None:
        self.done += 1
        self.failed += row.error is not None
        self.prompt_tokens += row.prompt_tokens
        self.completion_tokens += row.completion_tokens
        self.cached_tokens += row.cached_tokens
        self.cost_usd += row.cost_usd

    def progress(self) -> Progress:
        return Progress(self.done, self.total, self.cache_hits, self.failed, self.prompt_tokens,
                        self.completion_tokens, self.cached_tokens, self.cost_usd, time.monotonic() - self.started)


_CANONICAL = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}


def request_hash(model: str, messages: Sequence[Mapping], params: Mapping) -> str:
    """sha256 of the canonical JSON of a request: the cache key of a call."""
    canonical = json.dumps({"model": model, "messages": messages, "params": params}, **_CANONICAL)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DesignClient:
    """Sends design prompts to an OpenAI-compatible server and stores every finished call."""

    def __init__(
        self,
        api_key: str,
        store: CallStore,
        settings: ClientSettings | None = None,
        prices: PriceTable | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.settings = settings or ClientSettings()
        self.store = store
        self.prices = prices or PriceTable()
        self.progress = progress
        self.format_in_use = self.settings.first_format()
        self._api_key = SecretStr(api_key)
        self._backoff = wait_random_exponential(multiplier=self.settings.backoff_base_s, max=BACKOFF_MAX_S)

    def request_hash(self, request: DesignRequest) -> str:
        """The cache key of a request under these settings."""
        return request_hash(self.settings.model, request.messages, self.settings.request_params())

    def run_sync(self, requests: Sequence[DesignRequest]) -> RunResult:
        """`run` from synchronous code (a Dagster asset, a script)."""
        return asyncio.run(self.run(requests))

    async def run(self, requests: Sequence[DesignRequest]) -> RunResult:
        """Answer every request from the store or the server; stop sending once the budget is spent.
        Raises `ServerUnreachable` (after storing every reply received) when the server refuses
        connections."""
        hashes = [self.request_hash(request) for request in requests]
        state = _RunState(total=len(set(hashes)))
        rows: dict[str, CallRow] = {}
        pending: dict[str, DesignRequest] = {}
        stored_rows = self.store.get_many(hashes)
        for digest, request in zip(hashes, requests):
            if digest in rows or digest in pending:
                continue
            stored = stored_rows.get(digest)
            if stored is not None and stored.error is None:
                rows[digest] = stored
                state.cache_hits += 1
                state.done += 1
            else:
                pending[digest] = request
        async with self._open_client() as client:
            reporter = asyncio.create_task(self._report(state)) if self.progress else None
            try:
                rows |= await self._call_all(client, pending, state)
            finally:
                if reporter:
                    reporter.cancel()
        if self.progress:
            self.progress(state.progress())
        return RunResult(
            rows=[rows[digest] for digest in hashes if digest in rows],
            not_requested=[request for digest, request in zip(hashes, requests) if digest not in rows],
            cache_hits=state.cache_hits,
            requests_sent=state.requests_sent,
            cost_usd=state.cost_usd,
        )

    def _open_client(self) -> openai.AsyncOpenAI:
        """A fresh `openai` client per run (its aiohttp session belongs to the run's event loop) on the
        SDK's aiohttp transport (`openai[aiohttp]`: ~1 ms less CPU a call than httpx2, bench/RESULTS.md),
        with the SDK's retries off: `_call` retries."""
        return openai.AsyncOpenAI(api_key=self._api_key.get_secret_value(), base_url=self.settings.base_url,
                                  timeout=self.settings.timeout_s, max_retries=0,
                                  http_client=openai.DefaultAioHttpClient())

    async def _call_all(
        self, client: openai.AsyncOpenAI, pending: dict[str, DesignRequest], state: _RunState
    ) -> dict[str, CallRow]:
        """`concurrency` workers take the pending requests in order, one at a time each, and hand each
        finished call to the writer; a request left unsent (budget, unreachable server) has no row. Once
        a commit has failed no new request is sent: the store's error is raised instead."""
        rpm = self.settings.requests_per_minute
        limiter = AsyncLimiter(1, 60 / rpm) if rpm else None  # one at a time: no burst
        queue = iter(pending.items())
        finished: asyncio.Queue[CallRow | None] = asyncio.Queue()
        writer = asyncio.create_task(self._store_as_they_arrive(finished))
        results: dict[str, CallRow] = {}
        unreachable: list[ServerUnreachable] = []

        async def worker() -> None:
            for digest, request in queue:
                if writer.done():
                    writer.result()  # raises the failed commit's error
                if unreachable or self._over_budget(state):
                    continue
                try:
                    row = await self._call(client, limiter, digest, request, state)
                except ServerUnreachable as error:
                    unreachable.append(error)
                    continue
                finished.put_nowait(row)
                state.add(row)
                results[digest] = row

        workers = [asyncio.create_task(worker()) for _ in range(min(self.settings.concurrency, len(pending)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            finished.put_nowait(None)
            await writer
        if unreachable:
            raise unreachable[0]
        return results

    async def _store_as_they_arrive(self, finished: asyncio.Queue[CallRow | None]) -> None:
        """Stores each finished call as soon as the store is free, in one commit with every call that
        arrived during the previous commit (in DuckDB ~3 ms for a row alone, ~0.4 ms a row in a batch of
        32), on a thread so that no worker waits; returns after the None that ends the run."""
        while True:
            batch = [await finished.get()]
            while not finished.empty():
                batch.append(finished.get_nowait())
            rows = [row for row in batch if row is not None]
            if rows:
                await asyncio.to_thread(self.store.put_many, rows)
            if batch[-1] is None:
                return

    def _over_budget(self, state: _RunState) -> bool:
        budget = self.settings.budget_usd
        return budget is not None and state.cost_usd >= budget

    async def _call(
        self, client: openai.AsyncOpenAI, limiter: AsyncLimiter | None, digest: str, request: DesignRequest,
        state: _RunState,
    ) -> CallRow:
        """One request with retries, as a row. Under `auto`, a request whose `response_format` the server
        rejects is sent again at once with the next format (json_schema, then json_object, then none);
        once a request succeeds that way, the run's later requests start from that format. A refused
        connection is retried briefly, then raises `ServerUnreachable`."""
        started, attempts, response_format = time.monotonic(), 0, self.format_in_use

        async def send() -> LegacyAPIResponse:
            nonlocal attempts, response_format
            while True:
                if limiter:
                    await limiter.acquire()
                attempts += 1
                state.requests_sent += 1
                try:
                    return await client.chat.completions.with_raw_response.create(
                        model=self.settings.model, messages=request.messages,
                        **self.settings.request_params(response_format))
                except openai.APIStatusError as error:
                    fallback = self._fallback(response_format) if _rejects_format(error) else None
                    if fallback is None:
                        raise
                    response_format = fallback

        retrying = AsyncRetrying(retry=retry_if_exception(_retryable), wait=self._wait, stop=self._stop,
                                 before_sleep=lambda retry: _log_retry(request, retry), reraise=True)
        try:
            answer = read_answer((await retrying(send)).content)
        except openai.OpenAIError as error:
            if _refused(error):
                raise ServerUnreachable(self._unreachable_text(error)) from None
            return self._row(digest, request, response_format, attempts, started, error=error)
        self._settle_format(response_format)
        return self._row(digest, request, response_format, attempts, started, answer=answer)

    def _wait(self, retry: RetryCallState) -> float:
        """Seconds before the next attempt: the short connect delays after a refused connection, the
        server's Retry-After when it sends one, else exponential backoff with jitter."""
        error = retry.outcome.exception()
        if _refused(error):
            return CONNECT_RETRY_DELAYS_S[min(retry.attempt_number, len(CONNECT_RETRY_DELAYS_S)) - 1]
        retry_after = retry_after_s(error.response.headers) if isinstance(error, openai.APIStatusError) else None
        return self._backoff(retry) if retry_after is None else min(retry_after, BACKOFF_MAX_S)

    def _stop(self, retry: RetryCallState) -> bool:
        """The retries are used up (after a refused connection, its short ones)."""
        refused = _refused(retry.outcome.exception())
        return retry.attempt_number > (len(CONNECT_RETRY_DELAYS_S) if refused else self.settings.max_retries)

    def _fallback(self, rejected: str) -> str | None:
        """The format to try after the server rejected `rejected` (None: no fallback, or not `auto`)."""
        if self.settings.response_format != "auto":
            return None
        fallback = AUTO_FALLBACK.get(rejected)
        later = _format_rank(self.format_in_use) > _format_rank(fallback) if fallback else False
        return self.format_in_use if later else fallback

    def _settle_format(self, response_format: str) -> None:
        """After a success with a later format than the run's, the run continues with it (logged once)."""
        if _format_rank(response_format) > _format_rank(self.format_in_use):
            log.warning("the server at %s rejects response_format %s; this run sends response_format %s",
                        self.settings.base_url, self.format_in_use, response_format)
            self.format_in_use = response_format

    def _unreachable_text(self, error: openai.OpenAIError) -> str:
        reason = "the host name does not resolve" if _caused_by(error, socket.gaierror) else "connection refused"
        return (f"cannot connect to the LLM server at {self.settings.base_url} ({reason}): check that the server "
                "is running and listening there, and OPENAI_BASE_URL")

    def _row(
        self, digest: str, request: DesignRequest, response_format: str, attempts: int, started: float,
        answer: Answer | None = None, error: BaseException | None = None,
    ) -> CallRow:
        """The stored row of an answer, or of the error that ended the call's retries."""
        answer = answer or Answer(None, None)
        prompt_tokens, cached_tokens = answer.prompt_tokens, answer.cached_tokens
        return CallRow(
            request_hash=digest,
            model=self.settings.model,
            prompt_kind=request.prompt_kind,
            dataset_id=request.dataset_id,
            task_name=request.task_name,
            response_text=answer.text,
            finish_reason=answer.finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=answer.completion_tokens,
            cached_tokens=cached_tokens,
            cost_usd=self.prices.call_cost(self.settings.model, prompt_tokens, cached_tokens, answer.completion_tokens),
            latency_s=time.monotonic() - started,
            error=self._error_text(error) if error else None,
            attempts=attempts,
            response_format=response_format,
            created_at=datetime.now(timezone.utc),
        )

    def _error_text(self, error: BaseException) -> str:
        """The error for the row, with the API key redacted should a server echo it."""
        return redact(f"{_error_name(error)}: {error}", self._api_key.get_secret_value())[:ERROR_TEXT_CHARS]

    async def _report(self, state: _RunState) -> None:
        while True:
            await asyncio.sleep(self.settings.progress_every_s)
            self.progress(state.progress())


def _retryable(error: BaseException) -> bool:
    """429, 408, 409, 5xx, timeouts and connection errors are worth another try; a rejected
    `response_format` that has no fallback is not."""
    if isinstance(error, openai.APIStatusError):
        transient = error.status_code in RETRYABLE_STATUS or error.status_code >= 500
        return transient and not _rejects_format(error)
    return isinstance(error, openai.APIConnectionError)


def _rejects_format(error: openai.APIStatusError) -> bool:
    """A 400/422, or any error whose body names `response_format`: the server rejects the format."""
    return error.status_code in FORMAT_REJECTION_STATUS or "response_format" in f"{error.body} {error.message}"


def _refused(error: BaseException | None) -> bool:
    """Nothing listens at the URL, or its host name does not resolve. The SDK's aiohttp transport
    reports both as a connect *timeout*, so the cause chain is read for the operating system's error."""
    return isinstance(error, openai.APIConnectionError) and _caused_by(error, (ConnectionRefusedError, socket.gaierror))


def _caused_by(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
    """Whether the error or one of its causes is of `kind`."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, kind):
        cause = cause.__cause__ or cause.__context__
    return cause is not None


def _format_rank(response_format: str) -> int:
    return RESPONSE_FORMATS.index(response_format)


def _error_name(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    return f"{type(error).__name__} {status}" if status else type(error).__name__


def _log_retry(request: DesignRequest, retry: RetryCallState) -> None:
    """One line per retry, naming the error's type and status only (an error's text may echo the key)."""
    log.warning("retry %d of %s (%s) after %s, in %.2fs", retry.attempt_number,
                request.task_name or request.dataset_id, request.prompt_kind,
                _error_name(retry.outcome.exception()), retry.upcoming_sleep)


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: `retry-after-ms`, `retry-after` in seconds, or `retry-after` as an HTTP date."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(float(headers[name]) * scale, 0.0)
        except (KeyError, ValueError):
            continue
    try:
        when = email.utils.parsedate_to_datetime(headers.get("retry-after", ""))
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
