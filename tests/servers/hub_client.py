"""Run Hugging Face client code in a fresh interpreter against the loopback Hub (hf_hub_server.py).

``huggingface_hub.constants.ENDPOINT`` / ``HF_HUB_OFFLINE`` / ``HF_HOME`` and
``datasets.config.HF_ENDPOINT`` are read from the environment when those modules are imported, and a
test process may already have imported them offline. So the client code runs in a subprocess (from
the project root, so it can import ``dynosaur_assets``) with ``HF_ENDPOINT=<server url>``, telemetry
and progress bars off, no ``HF_*`` / ``HUGGINGFACE_*`` / ``DYNOSAUR_*`` variables inherited, and
``HF_HOME`` / ``HF_DATASETS_CACHE`` under a scratch directory; nothing is patched or mocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dynosaur_assets.paths import PROJECT_ROOT

RESULT_PREFIX = "RESULT "
CLIENT_TIMEOUT_S = 180
_INHERITED_NOT = ("HF_", "HUGGINGFACE_", "TRANSFORMERS_OFFLINE", "DYNOSAUR_")


def hub_client_env(url: str, scratch: Path, **extra: str) -> dict[str, str]:
    """This process's environment, pointed at the Hub at `url` with caches under `scratch`, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_NOT)}
    env.update(
        HF_ENDPOINT=url,
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HOME=str(scratch / "hf_home"),
        HF_DATASETS_CACHE=str(scratch / "hf_datasets_cache"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env | extra


def run_hub_client(code: str, url: str, scratch: Path, **extra_env: str) -> Any:
    """Run Python `code` against the Hub at `url`; it prints one line `RESULT <json>`, whose JSON is
    returned. A failing client fails the calling test with the end of its stderr."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=hub_client_env(url, scratch, **extra_env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    assert results, f"no {RESULT_PREFIX.strip()} line in the client's output: {proc.stdout[-4000:]}"
    return json.loads(results[-1].removeprefix(RESULT_PREFIX))
