"""Project paths and the environment defaults every entry point shares."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_DEFAULTS = {
    "DYNOSAUR_HUB": "local",
    "DYNOSAUR_HUB_DIR": "data/hub",
    "DYNOSAUR_DB": "data/dynosaur.duckdb",
    "DYNOSAUR_DESIGNER": "auto",
    "DYNOSAUR_MODEL": "gpt-4o-mini",
    "DYNOSAUR_RESPONSE_FORMAT": "auto",
    "DYNOSAUR_LLM_CONCURRENCY": "32",
    "DYNOSAUR_LLM_TIMEOUT_S": "60",
    "DYNOSAUR_LLM_RPM": "0",
    "DYNOSAUR_BUDGET_USD": "",
    "DYNOSAUR_DRY_RUN": "",
    "DYNOSAUR_EMBEDDER": "minilm",
    "OPENAI_API_KEY": "",
    "OPENAI_BASE_URL": "",
}


def apply_env_defaults() -> None:
    """Give every variable the resources read its documented default, so `EnvVar`s always resolve
    (an empty OPENAI_BASE_URL means the default endpoint: the resources pass it explicitly).

    With the local Hub, huggingface_hub is also put offline (it reads this at import time), so a
    local run never waits on network retries.
    """
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if os.environ["DYNOSAUR_HUB"] == "local":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")


def project_path(path: str) -> Path:
    """A path from configuration; relative paths are relative to the project root, not the cwd."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

