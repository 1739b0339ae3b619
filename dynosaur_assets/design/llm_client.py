"""An async chat-completions client for the LLM designer, without Dagster (METHOD.md §2, §6).

Where the original called the API sequentially and pickled every reply once at the end, this client
runs calls concurrently (32 workers by default) under a requests-per-minute cap, retries 429 (with
Retry-After), 408/409, 5xx, timeouts and connection errors with exponential backoff and jitter, and
hands every finished call to a `CallStore` the moment it arrives, keyed by a hash of the request, so
a crash loses nothing paid for and a re-run only asks for what is missing. A run stops issuing new
requests once its spend reaches the budget. The API key goes to the `openai` client only: it is never
logged, stored, or kept in a row (error texts are redacted).
"""

import asyncio
import email.utils
import functools
import hashlib
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Protocol

import httpx2
import openai
from openai.types.chat import ChatCompletion

from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.design.prompts import response_format as task_schema_format
from dynosaur_assets.method import DESIGN_MAX_COMPLETION_TOKENS, DESIGN_TEMPERATURE
from dynosaur_assets.paths import ENV_DEFAULTS

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429})  # and every 5xx
FORMAT_REJECTION_STATUS = frozenset({400, 422})
ERROR_TEXT_CHARS = 500
RESPONSE_FORMATS = ("auto", "json_schema", "json_object", "none")
AUTO_FALLBACK = {"json_schema": "json_object", "json_object": "none"}
CONNECT_RETRY_DELAYS_S = (0.5, 1.0, 2.0)


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
class CallRow:
    """One finished call as stored: a response (`error` None) or the final failure after retries."""

    request_hash: str
    model: str
    prompt_kind: str
    dataset_id: str
    task_name: str
    response_text: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost_usd: float
    latency_s: float
    error: str | None
    attempts: int
    response_format: str
    created_at: datetime

    def as_dict(self) -> dict:
        return asdict(self)


CALL_ROW_FIELDS = tuple(item.name for item in fields(CallRow))


class CallStore(Protocol):
    """Where calls are kept. `get` returns the stored row for a request hash (None when absent);
    `get_many` the stored rows for many hashes by hash (absent hashes left out), with which the client
    looks up a whole run in one go; `put_many` adds or replaces the rows for their hashes, all or none of
    them. A row with an `error` is not a cache hit: it is re-requested."""

    def get(self, request_hash: str) -> CallRow | None: ...

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]: ...

    def put_many(self, rows: Sequence[CallRow]) -> None: ...


class InMemoryCallStore:
    """A `CallStore` in a dict, for tests and dry runs."""

    def __init__(self) -> None:
        self.rows: dict[str, CallRow] = {}

    def get(self, request_hash: str) -> CallRow | None:
        return self.rows.get(request_hash)

    def get_many(self, request_hashes: Iterable[str]) -> dict[str, CallRow]:
        return {digest: self.rows[digest] for digest in request_hashes if digest in self.rows}

    def put(self, row: CallRow) -> None:
        self.rows[row.request_hash] = row

    def put_many(self, rows: Sequence[CallRow]) -> None:
        for row in rows:
            self.put(row)


@dataclass(frozen=True)
class ClientSettings:
    """How to call the model. `token_limit_param` is `max_tokens` (widest support) or
    `max_completion_tokens` (needed by OpenAI reasoning models). `budget_usd` is checked before each
    new request, so calls already in flight may overshoot it by at most `concurrency` calls."""

    model: str = ENV_DEFAULTS["DYNOSAUR_MODEL"]  # the designer's default too (DYNOSAUR_MODEL)
    base_url: str | None = None
    timeout_s: float = 60.0
    max_retries: int = 6
    concurrency: int = 32
    requests_per_minute: float | None = None
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    temperature: float = DESIGN_TEMPERATURE
    max_tokens: int = DESIGN_MAX_COMPLETION_TOKENS
    token_limit_param: str = "max_tokens"
    response_format: str = "auto"
    budget_usd: float | None = None
    progress_every_s: float = 5.0

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
        params: dict = {"temperature": self.temperature, self.token_limit_param: self.max_tokens}
        chosen = response_format or self.first_format()
        if chosen != "none":
            params["response_format"] = response_format_param(chosen)
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


class TokenBucket:
    """A requests-per-minute cap: one token per request, refilled continuously, holding at most `burst`."""

    def __init__(self, per_minute: float, burst: float = 1.0) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self.tokens) / self.rate)


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
        self._api_key = _Secret(api_key)

    def _open_client(self) -> openai.AsyncOpenAI:
        """A fresh `openai` client per run (bound to the run's event loop), with its retries off and the
        settings' timeout (the SDK sets it on every request). Its HTTP client is the SDK's aiohttp one
        (`openai[aiohttp]`: ~1 ms less CPU a call than the default httpx2 transport, see
        bench/RESULTS.md), with the SDK's default connection pool and the process's TLS context
        (building one reads the CA bundle: ~0.1 s per run otherwise)."""
        settings = self.settings
        http_client = openai.DefaultAioHttpClient(verify=_tls_context())
        return openai.AsyncOpenAI(api_key=self._api_key.value, base_url=settings.base_url,
                                  timeout=settings.timeout_s, max_retries=0, http_client=http_client)

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
        rows: dict[str, CallRow | None] = {}
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
            rows=[rows[digest] for digest in hashes if rows.get(digest) is not None],
            not_requested=[request for digest, request in zip(hashes, requests) if rows.get(digest) is None],
            cache_hits=state.cache_hits,
            requests_sent=state.requests_sent,
            cost_usd=state.cost_usd,
        )

    async def _call_all(
        self, client: openai.AsyncOpenAI, pending: dict[str, DesignRequest], state: _RunState
    ) -> dict[str, CallRow | None]:
        """`concurrency` workers take the pending requests in order, one at a time each (rather than a
        task per request waiting on a semaphore: the same order and cap, without a thousand tasks)."""
        bucket = TokenBucket(self.settings.requests_per_minute) if self.settings.requests_per_minute else None
        queue = iter(pending.items())
        results: dict[str, CallRow | None] = {}

        unreachable: list[ServerUnreachable] = []

        async def worker(commit: _GroupCommit) -> None:
            for digest, request in queue:
                commit.check()
                if unreachable or self._over_budget(state):
                    results[digest] = None
                    continue
                try:
                    row = await self._call(client, bucket, digest, request, state)
                except ServerUnreachable as error:
                    unreachable.append(error)
                    results[digest] = None
                    continue
                commit.submit(row)
                state.add(row)
                results[digest] = row

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-calls-writer") as writer:
            commit = _GroupCommit(self.store, writer, asyncio.get_running_loop())
            await asyncio.gather(*(worker(commit) for _ in range(min(self.settings.concurrency, len(pending)))))
            await commit.drain()
        if unreachable:
            raise unreachable[0]
        return {digest: results.get(digest) for digest in pending}

    def _over_budget(self, state: _RunState) -> bool:
        budget = self.settings.budget_usd
        return budget is not None and state.cost_usd >= budget

    async def _call(
        self, client: openai.AsyncOpenAI, bucket: TokenBucket | None, digest: str, request: DesignRequest,
        state: _RunState,
    ) -> CallRow:
        """One request with retries. Under `auto`, a request whose `response_format` the server rejects
        is sent again at once with the next format (json_schema, then json_object, then none); once a
        request succeeds that way, the run's later requests start from that format. A refused connection
        is retried briefly, then raises `ServerUnreachable`."""
        started, attempts, retries, connect_failures = time.monotonic(), 0, 0, 0
        response_format = self.format_in_use
        while True:
            if bucket:
                await bucket.acquire()
            attempts += 1
            state.requests_sent += 1
            try:
                completion = await client.post(  # the options are `create`'s: bearer-token auth
                    "/chat/completions", cast_to=ChatCompletion, body=self._body(request, response_format),
                    options={"security": {"bearer_auth": True}})
                self._settle_format(response_format)
                return self._row(digest, request, response_format, attempts, started, completion=completion)
            except openai.OpenAIError as error:
                if _rejects_format(error):
                    fallback = self._fallback(response_format)
                    if fallback is not None:
                        response_format = fallback
                        continue
                if _refused(error):
                    if connect_failures == len(CONNECT_RETRY_DELAYS_S):
                        raise ServerUnreachable(self._unreachable_text(error)) from None
                    delay, connect_failures = CONNECT_RETRY_DELAYS_S[connect_failures], connect_failures + 1
                else:
                    delay = None if _rejects_format(error) else self._retry_delay(error, retries)
                if delay is None:
                    return self._row(digest, request, response_format, attempts, started, error=error)
                retries += 1
                log.warning("retry %d of %s (%s) after %s, in %.2fs", retries,
                            request.task_name or request.dataset_id, request.prompt_kind, _error_name(error), delay)
            await asyncio.sleep(delay)

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
                        self.settings.base_url or "the default endpoint", self.format_in_use, response_format)
            self.format_in_use = response_format

    def _unreachable_text(self, error: openai.OpenAIError) -> str:
        reason = "the host name does not resolve" if _innermost(error, socket.gaierror) else "connection refused"
        url = self.settings.base_url or "the default OpenAI endpoint"
        return (f"cannot connect to the LLM server at {url} ({reason}): check that the server is running and "
                "listening there, and OPENAI_BASE_URL")

    def _body(self, request: DesignRequest, response_format: str) -> dict:
        """The request body: model, messages and parameters, as `chat.completions.create` would send them.

        The client posts it with the SDK's own `post`, which is all `create` does after running a
        type-driven transform over its typed arguments: an identity on this plain JSON, but a walk of
        the union types of every message part and of the schema costing ~1.5 ms of CPU per call, about
        40% of the client's time. The request (path, body, auth, options) and the parsed `ChatCompletion`
        are the same; a unit test compares the body and headers with a typed `create`'s."""
        params = self.settings.request_params(response_format)
        return {"model": self.settings.model, "messages": request.messages, **params}

    def _retry_delay(self, error: openai.OpenAIError, retries: int) -> float | None:
        """Seconds to wait before trying again (Retry-After when the server sends it, else exponential
        backoff with jitter), or None when the error is final or the retries are used up."""
        if not _is_retryable(error) or retries >= self.settings.max_retries:
            return None
        response = getattr(error, "response", None)
        retry_after = retry_after_s(response.headers) if response is not None else None
        if retry_after is not None:
            return min(retry_after, self.settings.backoff_max_s) * random.uniform(1.0, 1.1)
        backoff = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2**retries)
        return backoff * random.uniform(0.5, 1.0)

    def _row(
        self, digest: str, request: DesignRequest, response_format: str, attempts: int, started: float,
        completion: object = None, error: BaseException | None = None,
    ) -> CallRow:
        choice = completion.choices[0] if completion is not None and completion.choices else None
        usage = getattr(completion, "usage", None)
        prompt_tokens = usage.prompt_tokens if usage else 0
        completion_tokens = usage.completion_tokens if usage else 0
        details = getattr(usage, "prompt_tokens_details", None)
        cached_tokens = (details.cached_tokens or 0) if details else 0
        problem = self._error_text(error) if error else None
        if error is None and choice is None:
            problem = "no choices in the response"
        return CallRow(
            request_hash=digest,
            model=self.settings.model,
            prompt_kind=request.prompt_kind,
            dataset_id=request.dataset_id,
            task_name=request.task_name,
            response_text=choice.message.content if choice else None,
            finish_reason=choice.finish_reason if choice else None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=cached_tokens,
            cost_usd=self.prices.call_cost(self.settings.model, prompt_tokens, cached_tokens, completion_tokens),
            latency_s=time.monotonic() - started,
            error=problem,
            attempts=attempts,
            response_format=response_format,
            created_at=datetime.now(timezone.utc),
        )

    def _error_text(self, error: BaseException) -> str:
        """The error for the row, with the API key redacted should a server echo it."""
        return self._redact(f"{_error_name(error)}: {error}")[:ERROR_TEXT_CHARS]

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key.value, "[redacted]") if self._api_key.value else text

    async def _report(self, state: _RunState) -> None:
        while True:
            await asyncio.sleep(self.settings.progress_every_s)
            self.progress(state.progress())


def _is_retryable(error: openai.OpenAIError) -> bool:
    """429, 408, 409, 5xx, timeouts and connection errors are worth another try."""
    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRYABLE_STATUS or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError)


def _rejects_format(error: openai.OpenAIError) -> bool:
    """A 400/422, or any error whose body names `response_format`: the server rejects the format."""
    if not isinstance(error, openai.APIStatusError):
        return False
    return error.status_code in FORMAT_REJECTION_STATUS or "response_format" in f"{error.body} {error.message}"


def _refused(error: openai.OpenAIError) -> bool:
    """Nothing listens at the URL, or its host name does not resolve. The SDK's aiohttp transport
    reports both as a connect *timeout*, so the cause chain is read for the operating system's error."""
    if not isinstance(error, openai.APIConnectionError):
        return False
    return _innermost(error, (ConnectionRefusedError, socket.gaierror))


def _innermost(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
    """Whether the error or one of its causes is of `kind`."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, kind):
        cause = cause.__cause__ or cause.__context__
    return cause is not None


def _format_rank(response_format: str) -> int:
    return RESPONSE_FORMATS.index(response_format)


def response_format_param(response_format: str) -> dict:
    """The `response_format` request parameter for `json_schema` (the strict task schema) or `json_object`."""
    return task_schema_format() if response_format == "json_schema" else {"type": response_format}


def _error_name(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    return f"{type(error).__name__} {status}" if status else type(error).__name__


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: `retry-after-ms`, `retry-after` in seconds, or `retry-after` as an HTTP date."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) * scale, 0.0)
        except ValueError:
            continue
    try:
        when = email.utils.parsedate_to_datetime(headers.get("retry-after", ""))
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


class _GroupCommit:
    """Stores rows on one writer thread without holding up the workers. A row arriving while a commit
    runs goes into the next one, which takes every row waiting: each row is stored as soon as the
    thread is free, in one transaction with the rows that arrived with it (in DuckDB ~3 ms for a row
    committed alone, ~0.4 ms a row in a batch of 32). Once a commit has failed, `check` raises the
    store's error, so that no request is paid for that could not be stored."""

    def __init__(self, store: CallStore, writer: ThreadPoolExecutor, loop: asyncio.AbstractEventLoop) -> None:
        self._store, self._writer, self._loop = store, writer, loop
        self._waiting: list[CallRow] = []
        self._busy = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._error: BaseException | None = None

    def check(self) -> None:
        """Raises the error of a failed commit, if any."""
        if self._error is not None:
            raise self._error

    def submit(self, row: CallRow) -> None:
        """Hands the row to the writer thread now, or to the commit after the running one."""
        self._waiting.append(row)
        if not self._busy:
            self._commit_waiting()

    async def drain(self) -> None:
        """Returns once every submitted row is stored; raises what the store raised."""
        await self._idle.wait()
        self.check()

    def _commit_waiting(self) -> None:
        batch, self._waiting = self._waiting, []
        self._busy = True
        self._idle.clear()
        committed = self._writer.submit(self._store.put_many, batch)
        committed.add_done_callback(lambda done: self._loop.call_soon_threadsafe(self._committed, done))

    def _committed(self, done: Future) -> None:
        self._busy = False
        self._error = self._error or done.exception()
        if self._waiting and self._error is None:
            self._commit_waiting()
        else:
            self._idle.set()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context the HTTP client builds by default, built once per process and shared."""
    return httpx2.create_ssl_context()


class _Secret:
    """Holds the API key so that no repr, vars() dump or traceback of the client shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "_Secret('***')"
