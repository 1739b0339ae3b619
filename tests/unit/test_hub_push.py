"""push_export against the loopback Hub (tests/servers/hf_hub_server.py with its write side).

The round trip runs in a subprocess with HF_ENDPOINT set (huggingface_hub reads it at import; see
tests/servers/hub_client.py), pushes with `endpoint=None` and downloads back with the real client.
The error tests run here, in a process that is offline (conftest.py), as a local run is.
Regular files only: the loopback Hub never asks for LFS / Xet storage (tests/servers/hf_hub_writes.py).
"""

from __future__ import annotations

import http.server
import json
import logging
import traceback
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from huggingface_hub import constants

from dynosaur_assets.export.hub_push import REDACTED, HubPushError, push_export
from servers.hf_hub_server import serve_hub
from servers.hub_client import run_hub_client
from servers.loopback import HOST, JSONRequestHandler, LoopbackHTTPServer, running

TOKEN = "hf_rightTokenForTheLoopbackHub"
SENTINEL = "hf_SENTINEL_must_never_be_printed_42"
REPO = "dyno-demo/instructions"
ROWS = [{"instruction": f"Answer question {i}.", "input": f"Q{i}?", "output": f"A{i}."} for i in range(3)]
CARD = """---
license: mit
size_categories:
- n<1K
configs:
- config_name: default
  data_files: data/train.jsonl
---
# Instructions
"""

ROUND_TRIP = """
import io, json, logging, os
from pathlib import Path
from huggingface_hub import snapshot_download
from huggingface_hub.utils import logging as hf_logging
import datasets
from dynosaur_assets.export.hub_push import push_export

log = io.StringIO()
logging.basicConfig(level=logging.DEBUG, stream=log)
hf_logging.set_verbosity_debug()
token, repo, scratch = os.environ["PUSH_TOKEN"], os.environ["PUSH_REPO"], Path(os.environ["PUSH_SCRATCH"])

def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes().hex() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.parts}

def download(name):
    return Path(snapshot_download(repo, repo_type="dataset", token=token, local_dir=scratch / name))

out = {"pushes": [], "downloads": []}
for folder in ("v1", "v1", "v2"):
    out["pushes"].append(push_export(scratch / folder, repo, token, endpoint=None).__dict__)
    local = download(f"download-{len(out['pushes'])}")
    out["downloads"].append(files(local))
out["rows"] = datasets.load_from_disk(str(local / "dataset")).to_list()
out["token_in_log"] = token in log.getvalue()
out["log_lines"] = len(log.getvalue().splitlines())
print("RESULT " + json.dumps(out))
"""


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` as relative path -> content as hex."""
    return {p.relative_to(folder).as_posix(): p.read_bytes().hex() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_export(folder: Path, rows: list[dict]) -> Path:
    """An export-like folder: a card with YAML, JSONL, Parquet and a `datasets` save_to_disk folder."""
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text(CARD, encoding="utf-8")
    (folder / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows), folder / "data" / "train.parquet")
    datasets.Dataset.from_list(rows).save_to_disk(str(folder / "dataset"))
    return folder


@pytest.mark.parametrize("xet", ["installed", "disabled"])
def test_push_downloads_back_byte_for_byte_and_an_unchanged_push_makes_no_commit(tmp_path, xet):
    """`installed`: upload_folder's pipelined path (hf_xet present); `disabled`: its create_commit path."""
    v1 = write_export(tmp_path / "v1", ROWS)
    v2 = write_export(tmp_path / "v2", ROWS[:2])
    (v2 / "data" / "train.parquet").unlink()  # a file the next version no longer has
    extra = {"HF_HUB_DISABLE_XET": "1"} if xet == "disabled" else {}
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        out = run_hub_client(ROUND_TRIP, server.url, tmp_path, PUSH_TOKEN=TOKEN, PUSH_REPO=REPO,
                             PUSH_SCRATCH=str(tmp_path), **extra)
        commits = list(server.commits)
        private = server.repo_meta[REPO]["private"]

    first, again, second = out["pushes"]
    assert out["downloads"][0] == tree(v1) and out["downloads"][2] == tree(v2)
    assert "data/train.parquet" in out["downloads"][1] and "data/train.parquet" not in out["downloads"][2]
    assert out["rows"] == ROWS[:2]
    assert first["new_commit"] and second["new_commit"] and not again["new_commit"]
    assert again["commit_oid"] == first["commit_oid"] != second["commit_oid"]
    assert [c["oid"] for c in commits] == [first["commit_oid"], second["commit_oid"]]
    changed = {p for p in tree(v2) if tree(v2)[p] != tree(v1).get(p)}
    assert commits[1]["files"] == sorted(changed) and commits[1]["deleted"] == ["data/train.parquet"]
    assert first["commit_url"] == f"{server.url}/datasets/{REPO}/commit/{first['commit_oid']}"
    assert private is True
    assert out["log_lines"] > 10 and not out["token_in_log"]


def test_a_wrong_token_is_a_clear_error_without_the_token(tmp_path, caplog):
    folder = write_export(tmp_path / "export", ROWS)
    assert constants.HF_HUB_OFFLINE  # this process is offline, as a local run is
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="huggingface_hub")  # quiet_libraries() may have raised its level
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        with pytest.raises(HubPushError) as raised:
            push_export(folder, REPO, SENTINEL, endpoint=server.url)
        requests, commits = list(server.requests), list(server.commits)

    message = str(raised.value)
    assert "refused HF_TOKEN (401: Invalid credentials in Authorization header)" in message
    assert server.url in message
    assert SENTINEL not in "".join(traceback.format_exception(raised.value))
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert requests[0] == "POST /api/repos/create" and commits == [] and not (tmp_path / "hub").exists()
    assert caplog.records and not any(SENTINEL in r.getMessage() for r in caplog.records)
    assert constants.HF_HUB_OFFLINE  # restored


class EchoingHandler(JSONRequestHandler):
    """A careless server: every request gets a 403 whose message quotes the Authorization header."""

    def do_POST(self) -> None:  # noqa: N802
        self.read_body()
        message = f"no write access for {self.headers.get('Authorization')}"
        self.send_json({"error": message}, status=403, headers={"X-Error-Message": message})

    do_GET = do_POST  # noqa: N815


def test_a_token_the_server_echoes_is_redacted(tmp_path):
    folder = write_export(tmp_path / "export", ROWS)
    with running(LoopbackHTTPServer((HOST, 0), EchoingHandler)) as server:
        with pytest.raises(HubPushError) as raised:
            push_export(folder, REPO, SENTINEL, endpoint=server.url)
    text = "".join(traceback.format_exception(raised.value))
    assert SENTINEL not in text
    assert f"no write access for Bearer {REDACTED}" in str(raised.value)


@pytest.mark.parametrize(
    ("token", "repo_id", "error"),
    [
        (None, REPO, "no Hub token: set HF_TOKEN"),
        ("  \n", REPO, "no Hub token: set HF_TOKEN"),
        (TOKEN, "instructions", "must be 'namespace/name'"),
        (TOKEN, "a/b/c", "must be 'namespace/name'"),
        (TOKEN, "dyno demo/instructions", "is not a valid Hub repo id"),
    ],
)
def test_bad_input_is_refused_before_any_request(tmp_path, token, repo_id, error):
    folder = write_export(tmp_path / "export", ROWS)
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        with pytest.raises(ValueError, match=error):
            push_export(folder, repo_id, token, endpoint=server.url)
        assert server.requests == []


def test_a_missing_or_empty_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        push_export(tmp_path / "nowhere", REPO, TOKEN)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds no file"):
        push_export(tmp_path / "empty", REPO, TOKEN)


def test_a_card_with_broken_yaml_is_refused_before_the_commit(tmp_path):
    folder = write_export(tmp_path / "export", ROWS)
    (folder / "README.md").write_text("---\nlicense: [mit\n---\n# Broken\n", encoding="utf-8")
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        with pytest.raises(HubPushError, match="Invalid metadata in README.md"):
            push_export(folder, REPO, TOKEN, endpoint=server.url)
        assert server.commits == [] and server.count("/preupload/") == 0


def test_the_hub_stores_the_folder_bytes_in_a_public_repo_when_asked(tmp_path):
    folder = write_export(tmp_path / "export", ROWS)
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        pushed = push_export(folder, REPO, TOKEN, endpoint=server.url, private=False)
        assert server.repo_meta[REPO]["private"] is False
    assert tree(tmp_path / "hub" / REPO) == tree(folder) and pushed.new_commit
