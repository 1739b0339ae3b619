"""The loopback Hub's write side (tests/servers/hf_hub_writes.py) over plain HTTP: tokens, private repos,
and commits that are refused whole. tests/unit/test_hub_push.py drives the same endpoints with huggingface_hub."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

from servers.hf_hub_server import serve_hub
from servers.hf_hub_writes import INVALID_CREDENTIALS

TOKEN = "hf_writeToken"
REPO = "alice/notes"


def call(url: str, method: str, path: str, body: object = None, token: str | None = TOKEN) -> tuple[int, dict, object]:
    """(status, lower-cased headers, JSON body) of one request; `body` is JSON, or bytes sent as is."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(raw) if raw else None
    finally:
        conn.close()


def ndjson(*items: tuple[str, dict]) -> bytes:
    return b"".join(json.dumps({"key": k, "value": v}).encode() + b"\n" for k, v in items)


def file_line(path: str, content: bytes) -> tuple[str, dict]:
    return "file", {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}


def create(url: str, private: bool = True, token: str | None = TOKEN) -> tuple[int, dict, object]:
    owner, name = REPO.split("/")
    body = {"name": name, "organization": owner, "type": "dataset", "visibility": "private" if private else "public"}
    return call(url, "POST", "/api/repos/create", body, token)


def test_tokens_and_private_repos(tmp_path: Path) -> None:
    with serve_hub(tmp_path, return_server=True, tokens={TOKEN}) as server:
        url = server.url
        status, headers, _ = create(url, token="hf_wrong")
        assert status == 401 and headers["x-error-message"] == INVALID_CREDENTIALS
        assert create(url, token=None)[0] == 401 and not (tmp_path / REPO).exists()
        assert create(url)[0] == 200 and create(url)[0] == 409

        status, headers, _ = call(url, "GET", f"/api/datasets/{REPO}", token=None)
        assert status == 401 and headers["x-error-code"] == "RepoNotFound"
        status, _, info = call(url, "GET", f"/api/datasets/{REPO}")
        assert status == 200 and info["private"] is True
        assert call(url, "GET", "/api/datasets", token=None)[2] == []
        assert [d["id"] for d in call(url, "GET", "/api/datasets")[2]] == [REPO]
        assert call(url, "GET", "/api/datasets", token="hf_wrong")[0] == 401

    # without tokens (the default): reads ignore the header as before, every write is refused
    with serve_hub(tmp_path, return_server=True) as server:
        assert call(server.url, "GET", "/api/datasets", token="anything")[0] == 200
        assert create(server.url)[0] == 401


def test_commits_are_checked_whole_then_applied(tmp_path: Path) -> None:
    with serve_hub(tmp_path, return_server=True, tokens={TOKEN}) as server:
        url = server.url
        create(url, private=False)
        commit = f"/api/datasets/{REPO}/commit/main"
        header = ("header", {"summary": "Add notes", "description": ""})
        first = call(url, "POST", commit, ndjson(header, file_line("a.txt", b"one\n"), file_line("d/b.txt", b"two")))
        assert first[0] == 200 and (tmp_path / REPO / "d" / "b.txt").read_bytes() == b"two"
        oid = first[2]["commitOid"]
        assert call(url, "GET", f"/api/datasets/{REPO}")[2]["sha"] == oid

        blob = hashlib.sha1(b"blob 4\0one\n").hexdigest()
        files = [{"path": "a.txt", "sample": "", "size": 4}, {"path": "new.bin", "sample": "", "size": 9}]
        status, _, answer = call(url, "POST", f"/api/datasets/{REPO}/preupload/main", {"files": files})
        assert status == 200 and [(f["uploadMode"], f["oid"]) for f in answer["files"]] == [
            ("regular", blob), ("regular", None)]
        assert call(url, "POST", f"/api/datasets/{REPO}/preupload/main?create_pr=1", {"files": files})[0] == 400

        refused = [
            (422, ndjson(header, file_line("c.txt", b"x"), ("lfsFile", {"path": "big.parquet", "algo": "sha256"}))),
            (400, ndjson(header, file_line("../escape.txt", b"x"))),
            (404, ndjson(header, file_line("c.txt", b"x"), ("deletedFile", {"path": "missing.txt"}))),
            (412, ndjson(("header", {"summary": "late", "parentCommit": "0" * 40}), file_line("c.txt", b"x"))),
            (400, ndjson(file_line("c.txt", b"x"))),
        ]
        assert [call(url, "POST", commit, body)[0] for _, body in refused] == [s for s, _ in refused]
        assert not (tmp_path / REPO / "c.txt").exists() and not (tmp_path / "escape.txt").exists()

        second = call(url, "POST", commit, ndjson(("header", {"summary": "Drop d", "parentCommit": oid}),
                                                  ("deletedFolder", {"path": "d"}), file_line("a.txt", b"uno\n")))
        assert second[0] == 200 and not (tmp_path / REPO / "d").exists()
        assert call(url, "GET", f"/api/datasets/{REPO}/revision/{oid}")[1]["x-error-code"] == "RevisionNotFound"
        history = call(url, "GET", f"/api/datasets/{REPO}/commits/main")[2]
        assert [c["id"] for c in history] == [second[2]["commitOid"], oid]
        assert [c["summary"] for c in server.commits] == ["Add notes", "Drop d"]


def test_validate_yaml(tmp_path: Path) -> None:
    with serve_hub(tmp_path, return_server=True, tokens={TOKEN}) as server:
        card = {"content": "---\nlicense: [mit\n---\n", "repoType": "dataset"}
        broken = call(server.url, "POST", "/api/validate-yaml", card)
        assert broken[0] == 400 and "Invalid YAML" in broken[2]["errors"][0]["message"]
        bare = call(server.url, "POST", "/api/validate-yaml", {"content": "# no metadata\n", "repoType": "dataset"})
        assert bare[0] == 200 and bare[2]["errors"] == [] and bare[2]["warnings"]
        good = call(server.url, "POST", "/api/validate-yaml", {"content": "---\nlicense: mit\n---\n# ok\n"})
        assert good[0] == 200 and good[2] == {"errors": [], "warnings": []}
