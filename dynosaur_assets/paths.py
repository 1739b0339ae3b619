"""Project paths, and the process set-up every entry point shares: environment defaults, quiet libraries."""

import logging
import os
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_DEFAULTS = {
    "DYNOSAUR_HUB": "local",
    "DYNOSAUR_HUB_DIR": "data/hub",
    "DYNOSAUR_HUB_CONCURRENCY": "8",
    "DYNOSAUR_HUB_ORDER": "created",
    "DYNOSAUR_HUB_MAX_NEW": "500",
    "DYNOSAUR_HUB_FILTER": "",
    "DYNOSAUR_HUB_LISTING_INTERVAL_S": "600",
    "DYNOSAUR_CATALOG": "sqlite:data/catalog.sqlite",
    "DYNOSAUR_DATA_PATH": "",
    "DYNOSAUR_SNAPSHOT_RETENTION": "30 days",
    "DYNOSAUR_MAINTENANCE_CRON": "0 3 * * *",
    "DYNOSAUR_DESIGNER": "auto",
    "DYNOSAUR_MODEL": "gpt-4o-mini",
    "DYNOSAUR_RESPONSE_FORMAT": "auto",
    "DYNOSAUR_LLM_CONCURRENCY": "32",
    "DYNOSAUR_LLM_TIMEOUT_S": "60",
    "DYNOSAUR_LLM_RPM": "0",
    "DYNOSAUR_BUDGET_USD": "",
    "DYNOSAUR_DRY_RUN": "",
    "DYNOSAUR_LLM_MODE": "sync",
    "DYNOSAUR_BATCH_MAX_REQUESTS": "50000",
    "DYNOSAUR_BATCH_MAX_BYTES": "209715200",
    "DYNOSAUR_REVIEWER": "auto",
    "DYNOSAUR_RULES": "strict",
    "DYNOSAUR_EMBEDDER": "minilm",
    "DYNOSAUR_REPLAY_K": "50",
    "DYNOSAUR_REPLAY_STRATEGIES": "instr_diverse,instr_similar,instr_support,data_diverse,random",
    "DYNOSAUR_EXPORT_REPLAY": "",
    "DYNOSAUR_EXPORT_REPO": "",
    "HF_TOKEN": "",
    "DYNOSAUR_DEDUP_SIMILARITY": "0.95",
    "DYNOSAUR_DEDUP_NEAR_DUPLICATES": "1",
    "DYNOSAUR_EXECUTOR": "in_process",
    "DYNOSAUR_DASK_SCHEDULER": "",
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


# Libraries that log every HTTP request or storage migration at INFO (thousands of lines on a real Hub).
QUIET_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "huggingface_hub", "urllib3", "filelock", "fsspec",
                 "alembic", "openai", "sentence_transformers")


def quiet_libraries() -> None:
    """Keep library INFO chatter and the beta warning of `backfill_policy` (used on purpose) out of runs."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=r".*`backfill_policy`.*beta", category=Warning)


def project_path(path: str) -> Path:
    """A path from configuration; relative paths are relative to the project root, not the cwd."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

