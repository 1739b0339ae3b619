"""What the designer's and the embedder's OpenAI clients share: the default endpoint, and one way of
keeping the API key out of error texts."""

import re

DEFAULT_BASE_URL = "https://api.openai.com/v1"
REDACTED = "[redacted]"
_KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_\-*]{4,}")


def redact(text: str, api_key: str) -> str:
    """`text` without `api_key`, nor anything shaped like an OpenAI key (`sk-...`, as servers echo
    keys, sometimes partly masked)."""
    if api_key:
        text = text.replace(api_key, REDACTED)
    return _KEY_LIKE.sub(REDACTED, text)
