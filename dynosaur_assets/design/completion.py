"""Reading a chat-completions answer (HTTP 200) into the fields of an `llm_calls` row, whatever the
server sent, without Dagster.

The body is read here rather than by the `openai` SDK, whose parse raises `UnicodeDecodeError` or
`JSONDecodeError` on a body that is not UTF-8 or not JSON, returns a `str` for a non-JSON content type,
and builds a completion without choices from JSON of another shape. A body that is no chat completion
(not UTF-8, not JSON, JSON cut short, no choice with a message, a content that is not text) is kept
whole as the reply's text, invalid bytes as `\\xNN`, with finish reason `unreadable_body`: the call is
answered and paid, so it is stored and never requested again, and the parsers count it as that parse
error. Token counts that are not integers from 0 to `MAX_TOKENS` (the INTEGER columns' range) count as 0.
"""

import json
from dataclasses import dataclass

from dynosaur_assets.design.parse import UNREADABLE_BODY, clean_text

MAX_TOKENS = 2**31 - 1


@dataclass(frozen=True)
class Answer:
    """What an `llm_calls` row keeps of one answer."""

    text: str | None
    finish_reason: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


def read_answer(body: bytes) -> Answer:
    """The reply text, finish reason and token counts of a chat-completions body."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return unreadable(body)
    usage = _usage(data)
    message = _first_message(data)
    if message is None:
        return unreadable(body, *usage)
    content, finish_reason = message
    return Answer(clean_text(content) if content is not None else None, finish_reason, *usage)


def unreadable(body: bytes, *usage: int) -> Answer:
    """The whole body as the reply's text (invalid UTF-8 bytes as `\\xNN`), finish reason `unreadable_body`."""
    return Answer(clean_text(body.decode("utf-8", "backslashreplace")), UNREADABLE_BODY, *usage)


def _first_message(data: object) -> tuple[str | None, str | None] | None:
    """(content, finish_reason) of the first choice, or None when the body holds no readable one."""
    choices = data.get("choices") if isinstance(data, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        return None
    content, finish_reason = message.get("content"), choice.get("finish_reason")
    if not isinstance(content, (str, type(None))) or not isinstance(finish_reason, (str, type(None))):
        return None
    return content, finish_reason


def _usage(data: object) -> tuple[int, int, int]:
    """(prompt, completion, cached) tokens of the body's `usage`, 0 where absent or not a count."""
    usage = data.get("usage") if isinstance(data, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")), _count(cached)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKENS else 0
