"""The write side of the loopback Hub (hf_hub_server.py): the endpoints ``HfApi.create_repo`` and
``HfApi.upload_folder`` / ``create_commit`` of huggingface_hub 2.x call, for dataset repos.

    POST /api/repos/create                          {"name", "organization", "type", "visibility"};
                                                    409 if the repo exists (create_repo(exist_ok=True)
                                                    passes over it)
    POST /api/validate-yaml                         {"content", "repoType"}: 400 with ``errors`` when
                                                    the README's YAML front matter does not parse
    POST /api/datasets/<id>/preupload/<rev>         {"files": [{"path", "sample", "size"}]}: every file
                                                    answers ``uploadMode: "regular"``, ``shouldIgnore:
                                                    false`` and the git blob ``oid`` of the file already
                                                    at that path (the client skips unchanged files)
    POST /api/datasets/<id>/commit/<rev>            NDJSON: a ``header`` line (summary, description,
                                                    parentCommit), then ``file`` (base64 content),
                                                    ``deletedFile`` and ``deletedFolder`` lines

A commit is checked whole before any file is written, then applied under one lock; it gives the repo a
new commit sha (``repo_meta[id]["sha"]``: the old one is no longer a revision) and is appended to
``server.commits``. Writes need ``Authorization: Bearer <t>`` with ``t`` in ``server.tokens`` (401
otherwise, with the Hub's message ``Invalid credentials in Authorization header`` for a wrong token).

Not served, so untested against this server: large-file storage. Because the pre-upload answers
"regular" for every file, the client never takes the LFS / Xet path: no ``lfsFile`` commit line (one
is refused with 422, its content never having been uploaded), no Xet token endpoint
(``/api/datasets/<id>/xet-write-token/<rev>``, which huggingface_hub 2.x with ``hf_xet`` uses), no LFS
batch endpoint (``/datasets/<id>.git/info/lfs/objects/batch``, without ``hf_xet``) and no upload to
object storage. The client never picks the mode itself (only empty files are forced to "regular"):
the real Hub decides per file, and a new dataset repo's ``.gitattributes`` sends ``*.parquet`` and
``*.arrow`` to LFS, as it does binary and large files, so a real push of an export sends its Parquet
and ``save_to_disk`` Arrow files through Xet. Also not served: pull requests (``create_pr``),
``copyFile`` lines, ``.gitignore`` rules (``gitIgnore`` is accepted and not applied), the
``.gitattributes`` a new repo gets on the Hub, and the history of a repo (only its head is a revision).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import posixpath
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # pyyaml is a project dependency; without it every README validates
    import yaml as _yaml
except ImportError:  # pragma: no cover
    _yaml = None

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_FRONT_MATTER_START = "---"


class WriteRefused(Exception):
    """A write the server answers with an error: HTTP status, ``X-Error-Code`` (or None) and message."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Commit:
    """One parsed NDJSON commit payload."""

    summary: str = ""
    description: str = ""
    parent: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    deleted_files: list[str] = field(default_factory=list)
    deleted_folders: list[str] = field(default_factory=list)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None without one)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def repo_path(path: str) -> str:
    """A repo-relative posix path, or WriteRefused naming a path that leaves the repo or touches .git."""
    norm = posixpath.normpath(path.strip())
    if not path.strip() or norm.startswith(("..", "/")) or norm == "." or ".git" in norm.split("/"):
        raise WriteRefused(400, f"Invalid path in commit: {path!r}")
    return norm


def parse_commit(body: bytes) -> Commit:
    """Parse the commit endpoint's NDJSON body; WriteRefused names the first line that is wrong."""
    commit = Commit()
    seen_header = False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WriteRefused(400, f"The commit body is not UTF-8: {error}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key, value = item["key"], item["value"]
        except (ValueError, KeyError, TypeError) as error:
            raise WriteRefused(400, f"Commit line {number} is not a {{key, value}} JSON object: {error}") from None
        if key == "header":
            seen_header = True
            commit.summary = str(value.get("summary") or "")
            commit.description = str(value.get("description") or "")
            commit.parent = value.get("parentCommit")
        elif key == "file":
            commit.files[repo_path(value["path"])] = _file_content(value, number)
        elif key == "deletedFile":
            commit.deleted_files.append(repo_path(value["path"]))
        elif key == "deletedFolder":
            commit.deleted_folders.append(repo_path(value["path"]))
        elif key == "lfsFile":
            raise WriteRefused(422, f"lfsFile {value.get('path')!r}: this loopback Hub stores no LFS objects")
        else:
            raise WriteRefused(400, f"Commit line {number}: operation {key!r} is not supported here")
    if not seen_header or not commit.summary:
        raise WriteRefused(400, "A commit needs a header line with a summary")
    return commit


def _file_content(value: dict[str, Any], number: int) -> bytes:
    if value.get("encoding", "base64") != "base64":
        raise WriteRefused(400, f"Commit line {number}: encoding must be base64")
    try:
        return base64.b64decode(value["content"], validate=True)
    except (binascii.Error, KeyError, TypeError) as error:
        raise WriteRefused(400, f"Commit line {number}: content is not base64: {error}") from None


def apply_commit(root: Path, commit: Commit) -> None:
    """Delete, then write, the commit's files under the repo folder ``root`` (each write atomic); a
    deletion of a file that is not there refuses the whole commit before anything changes."""
    missing = [rel for rel in commit.deleted_files if not (root / rel).is_file()]
    if missing:
        raise WriteRefused(404, f"A file with this name doesn't exist: {missing[0]}", "EntryNotFound")
    for rel in commit.deleted_files:
        (root / rel).unlink()
    for rel in commit.deleted_folders:
        folder = root / rel
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        if folder.is_dir():
            folder.rmdir()
    for rel, content in commit.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.upload")
        tmp.write_bytes(content)
        os.replace(tmp, target)


def commit_oid(repo_id: str, parent: str, commit: Commit, number: int) -> str:
    """A 40-hex commit id, new for every commit of a repo."""
    parts = [repo_id, parent, str(number), commit.summary, *sorted(commit.files), *commit.deleted_files]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


def yaml_errors(content: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) the Hub's validate-yaml would give a README: its front matter must be a mapping."""
    lines = content.splitlines()
    if not lines or lines[0].strip() != _FRONT_MATTER_START:
        return [], ["empty or missing yaml metadata in repo card"]
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FRONT_MATTER_START)
    except StopIteration:
        return ["the YAML front matter is not closed by a '---' line"], []
    if _yaml is None:  # pragma: no cover
        return [], []
    try:
        data = _yaml.safe_load("\n".join(lines[1:end]))
    except _yaml.YAMLError as error:
        return [f"Invalid YAML in the card metadata: {error}"], []
    if data is not None and not isinstance(data, dict):
        return ["the card metadata must be a YAML mapping"], []
    return [], []


def now_iso() -> str:
    """Now, as the Hub writes dates."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class WriteRoutes:
    """The write endpoints and the token checks, as methods of the loopback Hub's request handler
    (which provides ``server``, ``headers``, ``_error``, ``send_json`` and ``_revision_ok``)."""

    def caller_token(self) -> str | None:
        return bearer_token(self.headers.get("Authorization"))

    def token_ok(self, write: bool, head: bool = False) -> bool:
        """True, or False after a 401: a wrong token (always on writes; on reads once the server has
        tokens), or no token on a write."""
        token, tokens = self.caller_token(), self.server.tokens
        if token is not None and token not in tokens and (tokens or write):
            self._error(401, None, INVALID_CREDENTIALS, head)
            return False
        if write and token is None:
            self._error(401, None, "Authorization header is required to write to a repo", head)
            return False
        return True

    def may_read(self, repo: Any) -> bool:
        """A private repo is readable with a valid token (or by anyone when the server has no tokens)."""
        return not self.server.tokens or not repo.meta.get("private") or self.caller_token() in self.server.tokens

    def write(self, action: str, *args: Any) -> None:
        """Answer a write endpoint; WriteRefused becomes its error response."""
        if not self.token_ok(write=True):
            return
        try:
            getattr(self, f"_write_{action}")(*args)
        except WriteRefused as refused:
            self._error(refused.status, refused.code, refused.message)

    def _write_create(self, body: bytes) -> None:
        payload = _json_object(body)
        if payload.get("type") != "dataset":
            raise WriteRefused(400, f"This loopback Hub holds dataset repos only, not {payload.get('type')!r}")
        name, owner = str(payload.get("name") or ""), str(payload.get("organization") or "")
        if not owner or not _NAME.fullmatch(owner) or not _NAME.fullmatch(name):
            raise WriteRefused(400, f"Invalid repo id {owner}/{name}: give namespace/name")
        repo_id, server = f"{owner}/{name}", self.server
        with server.write_lock:
            if server.repo(repo_id) is not None:
                url = f"{server.url}/datasets/{repo_id}"
                return self.send_json({"error": "You already created this dataset repo", "url": url}, status=409)
            if (server.root / owner).is_dir() and server.repo(owner) is not None:
                raise WriteRefused(400, f"{owner} is a repo, not a namespace")
            (server.root / owner / name).mkdir(parents=True)
            private = payload.get("visibility") == "private" or payload.get("private") is True
            server.repo_meta.setdefault(repo_id, {})["private"] = private
        self.send_json({"url": f"{server.url}/datasets/{repo_id}", "name": repo_id,
                        "id": hashlib.sha1(repo_id.encode()).hexdigest()[:24]})

    def _write_validate_yaml(self, body: bytes) -> None:
        errors, warnings = yaml_errors(str(_json_object(body).get("content") or ""))
        payload = {"errors": [{"message": m} for m in errors], "warnings": [{"message": m} for m in warnings]}
        self.send_json(payload, status=400 if errors else 200)

    def _write_preupload(self, repo: Any, rev: str, body: bytes, query: dict[str, list[str]]) -> None:
        _refuse_pull_requests(query)
        if not self._revision_ok(repo, rev, False):
            return
        files = _json_object(body).get("files")
        if not isinstance(files, list):
            raise WriteRefused(400, "preupload needs a list of files")
        answers = []
        for entry in files:
            existing = repo.file(repo_path(str(entry.get("path", ""))))
            oid = self.server.blobs.oid(existing) if existing is not None else None
            answers.append({"path": entry["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        self.send_json({"files": answers, "commitOid": repo.sha()})

    def _write_commit(self, repo: Any, rev: str, body: bytes, query: dict[str, list[str]]) -> None:
        _refuse_pull_requests(query)
        if not self._revision_ok(repo, rev, False):
            return
        commit, server = parse_commit(body), self.server
        with server.write_lock:
            parent = repo.sha()
            if commit.parent and not parent.startswith(commit.parent):
                raise WriteRefused(412, f"parentCommit {commit.parent} is not the head of main ({parent})")
            apply_commit(repo.path, commit)
            number = sum(1 for c in server.commits if c["repo"] == repo.id) + 1
            oid = commit_oid(repo.id, parent, commit, number)
            date = now_iso()
            server.repo_meta.setdefault(repo.id, {}).update(sha=oid, lastModified=date)
            server.commits.append({"repo": repo.id, "oid": oid, "parent": parent, "summary": commit.summary,
                                   "description": commit.description, "date": date, "files": sorted(commit.files),
                                   "deleted": commit.deleted_files + commit.deleted_folders})
        self.send_json({"success": True, "commitOid": oid, "commitUrl": f"{server.url}/datasets/{repo.id}/commit/{oid}",
                        "pullRequestUrl": None})


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError as error:
        raise WriteRefused(400, f"The body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise WriteRefused(400, "The body must be a JSON object")
    return payload


def _refuse_pull_requests(query: dict[str, list[str]]) -> None:
    if query.get("create_pr"):
        raise WriteRefused(400, "This loopback Hub does not open pull requests (create_pr)")
