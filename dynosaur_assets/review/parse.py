"""Reading a reviewer's reply into a verdict, without ever raising and never guessing one.

A reply may be JSON, JSON in Markdown fences or in prose, a Python dict literal (the verdict under
`verdict`, or `category` as small models name it), or a `verdict: x`
line in a reply without braces; the category may be in any case, with spaces or hyphens for
underscores. Anything else is a counted parse error: `truncated` (finish_reason `length`),
`unreadable_body` (the server's answer was no chat completion), `empty_response`, `nested_too_deep`
(as design/parse.py reads it), `malformed_json` (braces but no readable object, e.g. JSON cut short),
`no_verdict_found` or `unknown_verdict`; the raw text stays in `llm_calls`.
"""

import re
from dataclasses import dataclass

from dynosaur_assets.design.parse import MAX_NESTING, UNREADABLE_BODY, candidate_values, clean_text, nesting_depth
from dynosaur_assets.review.prompts import VERDICTS

PARSE_ERRORS = ("truncated", UNREADABLE_BODY, "empty_response", "nested_too_deep", "malformed_json",
                "no_verdict_found", "unknown_verdict")
REASON_CHARS = 300
_VERDICT_LINE = re.compile(r"\bverdict\b\W{0,3}[:=]\s*[\"'*]*(?P<verdict>[A-Za-z][A-Za-z _-]*?)[\"'*]*\s*(?:[.,;\n]|$)",
                           re.IGNORECASE)
_REASON_LINE = re.compile(r"\breason\b\W{0,3}[:=]\s*[\"']?(?P<reason>[^\n]*?)[\"']?\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ParsedVerdict:
    """A verdict and its reason, or why none could be read (`error`, with a short `detail`)."""

    verdict: str | None
    reason: str = ""
    error: str | None = None
    detail: str = ""


def parse_verdict(text: str | None, finish_reason: str | None = None) -> ParsedVerdict:
    """The verdict of a reply; a reply cut off by the token limit is `truncated` whatever it holds."""
    raw = clean_text(text or "")
    if finish_reason == "length":
        return ParsedVerdict(None, error="truncated", detail="finish_reason was 'length'")
    if finish_reason == UNREADABLE_BODY:
        return ParsedVerdict(None, error=UNREADABLE_BODY, detail=_preview(raw))
    if not raw.strip():
        return ParsedVerdict(None, error="empty_response")
    if nesting_depth(raw) > MAX_NESTING:
        return ParsedVerdict(None, error="nested_too_deep", detail=f"brackets nested {nesting_depth(raw)} deep")
    values = list(candidate_values(raw))
    found = next((value for value in values if _verdict_value(value) is not None), None)
    if found is not None:
        return _checked(_verdict_value(found), _reason_value(found))
    if any(isinstance(value, (dict, list)) for value in values):
        return ParsedVerdict(None, error="no_verdict_found", detail=_preview(raw))
    if "{" in raw:
        return ParsedVerdict(None, error="malformed_json", detail=_preview(raw))
    line = _VERDICT_LINE.search(raw)
    if line:
        reason = _REASON_LINE.search(raw)
        return _checked(line.group("verdict"), reason.group("reason") if reason else "")
    return ParsedVerdict(None, error="no_verdict_found", detail=_preview(raw))


def normalize_verdict(value: str) -> str:
    """`Wrong Input`, `wrong-input` and ` WRONG_INPUT ` all read as `wrong_input`."""
    return re.sub(r"[\s-]+", "_", value.strip().strip("\"'`*.").lower())


def _checked(value: str, reason: object) -> ParsedVerdict:
    verdict = normalize_verdict(value)
    if verdict not in VERDICTS:
        return ParsedVerdict(None, error="unknown_verdict", detail=_preview(value))
    return ParsedVerdict(verdict, _one_line(reason))


def _verdict_value(value: object) -> str | None:
    """The `verdict` (else the `category`; keys in any case) of a dict, or of a one-item list holding one."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        return None
    keys = {str(key).strip().lower(): item for key, item in value.items()}
    item = keys.get("verdict", keys.get("category"))
    return item if isinstance(item, str) else None


def _reason_value(value: object) -> object:
    value = value[0] if isinstance(value, list) else value
    return next((item for key, item in value.items() if str(key).strip().lower() == "reason"), "")


def _one_line(reason: object) -> str:
    text = clean_text(reason) if isinstance(reason, str) else ""
    return " ".join(text.split())[:REASON_CHARS]


def _preview(text: str) -> str:
    return " ".join(clean_text(text).split())[:80]
