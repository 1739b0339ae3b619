"""The Batch API's files, without Dagster or network: the JSONL lines of a batch (custom_id = the
request hash; body = exactly what the synchronous client sends first, so both modes share `llm_calls`
keys), their split by OpenAI's limits, the submission id a batch carries in its metadata, and the rows
of `llm_calls` read back from the output and error files (docs/method.md §6)."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from dynosaur_assets.design.call_store import CallRow
from dynosaur_assets.design.llm_client import ClientSettings, DesignRequest
from dynosaur_assets.design.pricing import PriceTable

CHAT_ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
PROJECT = "dynosaur"
# OpenAI's documented limits of one batch input file: 50,000 requests, 200 MB.
MAX_REQUESTS_PER_BATCH = 50_000
MAX_BYTES_PER_BATCH = 200 * 1024 * 1024


@dataclass(frozen=True)
class BatchRequestInfo:
    """What `llm_batch_requests` keeps of a request, to write its `llm_calls` row."""

    request_hash: str
    dataset_id: str
    prompt_kind: str
    task_name: str | None


@dataclass(frozen=True)
class BatchLine:
    """One request of a batch file: its hash (the custom_id), what is recorded of it, the JSONL line."""

    request_hash: str
    info: BatchRequestInfo
    line: bytes


def request_body(settings: ClientSettings, request: DesignRequest) -> dict:
    """The chat-completions body the synchronous client sends on a request's first attempt."""
    return {"model": settings.model, "messages": request.messages, **settings.request_params()}


def batch_line(request_hash: str, settings: ClientSettings, request: DesignRequest) -> BatchLine:
    """One JSONL line: `{"custom_id", "method", "url", "body"}`, newline-terminated."""
    line = {"custom_id": request_hash, "method": "POST", "url": CHAT_ENDPOINT, "body": request_body(settings, request)}
    info = BatchRequestInfo(request_hash, request.dataset_id, request.prompt_kind, request.task_name)
    return BatchLine(request_hash, info, encode_line(line))


def encode_line(line: Mapping) -> bytes:
    """One JSONL line, newline-terminated."""
    return (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def split_lines(lines: Sequence[BatchLine], max_requests: int = MAX_REQUESTS_PER_BATCH,
                max_bytes: int = MAX_BYTES_PER_BATCH) -> list[list[BatchLine]]:
    """The lines in order, cut into files of at most `max_requests` lines and `max_bytes` bytes."""
    if max_requests < 1 or max_bytes < 1:
        raise ValueError(f"batch limits must be positive, got {max_requests} requests and {max_bytes} bytes")
    files: list[list[BatchLine]] = []
    size = 0
    for line in lines:
        if len(line.line) > max_bytes:
            raise ValueError(f"request {line.request_hash} is {len(line.line)} bytes, more than a batch file "
                             f"may hold ({max_bytes}, DYNOSAUR_BATCH_MAX_BYTES)")
        if not files or len(files[-1]) == max_requests or size + len(line.line) > max_bytes:
            files.append([])
            size = 0
        files[-1].append(line)
        size += len(line.line)
    return files


def submission_id(request_hashes: Iterable[str], parent_batch_id: str | None = None) -> str:
    """Our id of a batch, in its metadata: the same requests (and parent) give the same id, so a
    submission interrupted after the upload is found again among the server's batches."""
    digest = hashlib.sha256(f"{parent_batch_id or ''}\n{chr(10).join(request_hashes)}".encode("utf-8"))
    return f"{PROJECT}-{digest.hexdigest()[:32]}"


def batch_metadata(submission: str, step: str) -> dict[str, str]:
    """The metadata a batch carries: the project, our submission id and the step."""
    return {"project": PROJECT, "submission_id": submission, "step": step}


def read_jsonl(content: bytes | str) -> list[dict]:
    """The objects of a JSONL file (blank lines skipped); a broken line is a clear error."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number} of a batch file is not JSON: {error}") from None
    return objects


@dataclass(frozen=True)
class BatchCallSettings:
    """How a batch's calls were made: the model, the response format sent, the seconds the batch took."""

    model: str
    response_format: str
    latency_s: float


def output_rows(lines: Iterable[Mapping], requests: Mapping[str, BatchRequestInfo], sent: BatchCallSettings,
                prices: PriceTable) -> tuple[list[CallRow], dict[str, str]]:
    """The `llm_calls` rows (mode `batch`, batch prices) of the answered lines of an output or error
    file, and the error text by hash of the others. Lines of other batches' requests are ignored."""
    rows, errors = [], {}
    for line in lines:
        digest = line.get("custom_id")
        if digest not in requests:
            continue
        response = line.get("response") or {}
        body = response.get("body") or {}
        if response.get("status_code") == 200 and body.get("choices"):
            rows.append(_call_row(requests[digest], body, sent, prices))
        else:
            errors[digest] = _error_text(line)
    return rows, errors


def _call_row(info: BatchRequestInfo, body: Mapping, sent: BatchCallSettings, prices: PriceTable) -> CallRow:
    choice = body["choices"][0]
    usage = body.get("usage") or {}
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    model = sent.model
    return CallRow(
        request_hash=info.request_hash, model=model, prompt_kind=info.prompt_kind, dataset_id=info.dataset_id,
        task_name=info.task_name, response_text=(choice.get("message") or {}).get("content"),
        finish_reason=choice.get("finish_reason"), prompt_tokens=prompt, completion_tokens=completion,
        cached_tokens=cached, cost_usd=prices.call_cost(model, prompt, cached, completion, "batch"),
        latency_s=sent.latency_s, error=None, attempts=1, response_format=sent.response_format,
        created_at=datetime.now(timezone.utc), mode="batch",
    )


def _error_text(line: Mapping) -> str:
    """`<status or code>: <message>` of a failed line."""
    error = line.get("error") or ((line.get("response") or {}).get("body") or {}).get("error") or {}
    status = (line.get("response") or {}).get("status_code") or error.get("code") or "error"
    return f"{status}: {error.get('message', 'no message')}"[:500]
