"""A tiny, stdlib-only stand-in for huggingface.co, serving a local Hub-layout directory.

Layout served (read from disk on every request, so a test may add a repo folder while
the server runs)::

    <root>/<owner>/<name>/README.md      -> dataset "owner/name"
    <root>/<owner>/<name>/data/x.jsonl
    <root>/<name>/README.md              -> dataset "name" (depth-1 repo: a top-level folder that
                                            directly holds a file; hf:// paths cannot reach it,
                                            since HfFileSystem insists on "namespace/name")

Endpoints (the ones huggingface_hub 2.x and datasets 5.x touch for dataset repos):

    GET  /api/datasets                                  list (limit, sort, direction, full, author,
                                                        search, filter, expand[], cursor) + Link rel=next
    GET  /api/datasets/<id>                             dataset info (with siblings)
    GET  /api/datasets/<id>/revision/<rev>              same, at a revision
    GET  /api/datasets/<id>/tree/<rev>[/<path>]         tree (recursive, expand)
    POST /api/datasets/<id>/paths-info/<rev>            paths info (form or JSON body)
    GET  /api/datasets/<id>/refs                        branches (just "main")
    GET  /api/datasets/<id>/commits/<rev>               a single fake commit
    HEAD|GET /datasets/<id>/resolve/<rev>/<path>        file content; Range -> 206 / 416
    GET  /info, /parquet                                404 (the dataset-viewer routes; see below)
    POST /api/repos/create, /api/validate-yaml,         the write side (create_repo, upload_folder):
         /api/datasets/<id>/preupload/<rev>,            tests/servers/hf_hub_writes.py, which also says
         /api/datasets/<id>/commit/<rev>                what stays unserved (LFS / Xet storage)

Every repo has one revision: "main", whose commit sha is ``sha1("dataset/<id>")`` (or, with
``content_sha=True``, a sha1 over the repo's file list, sizes and mtimes, so edits change it).
Asking for another revision (a branch, tag or other sha) answers 404 ``RevisionNotFound``.
Error responses carry ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``,
``EntryNotFound``), which is how ``huggingface_hub.utils.hf_raise_for_status`` picks its
exception class.

``createdAt`` of a repo is the oldest mtime among the repo folder and its files (set it with
``os.utime``) unless ``repo_meta[repo_id]["createdAt"]`` is given; ``lastModified`` is the newest
mtime. ``repo_meta`` (a dict on the server, editable while it runs) may override any field of the
info payload (``downloads``, ``likes``, ``private``, ``gated``, ``createdAt`` as ISO string or
datetime, ...).

Tokens: with ``tokens`` (accepted bearer tokens) the server checks ``Authorization`` like the Hub: a
wrong token gets 401 on any request, a private repo (``repo_meta[id]["private"]``, set by
``create_repo(private=True)``) is hidden from callers without a valid token (401 ``RepoNotFound``),
and writes need a valid token. Without tokens, reads ignore the header (and every write gets 401).

Client side (``tests/servers/hub_client.py`` does all this): ``HF_ENDPOINT`` must be in the
environment *before* ``huggingface_hub`` / ``datasets`` are imported, because
``huggingface_hub.constants.ENDPOINT`` and ``datasets.config.HF_ENDPOINT`` are computed at import
time; the tests therefore run the client code in a subprocess with the env set. Also set
``HF_HUB_DISABLE_TELEMETRY=1``, unset ``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``, and point
``HF_HOME`` (and ``HF_DATASETS_CACHE``) at a fresh directory. ``datasets`` also asks the
dataset viewer at ``HF_ENDPOINT.replace("://", "://datasets-server.")`` for exported infos;
``datasets-server.127.0.0.1`` does not resolve, the error is swallowed by ``datasets`` and
costs nothing.

Usage::

    with serve_hub(root) as url:          # url == "http://127.0.0.1:<port>"
        ...
    with serve_hub(root, return_server=True) as server:
        server.url, server.requests       # requests: list of "METHOD /path?query" strings

    python tests/servers/hf_hub_server.py ROOT --port N
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import email.utils
import hashlib
import json
import mimetypes
import os
import posixpath
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

if __package__:
    from .hf_hub_writes import WriteRoutes
    from .loopback import (
        HOST, JSONRequestHandler, LoopbackHTTPServer, running, serve_until_stopped
    )
else:  # imported with tests/servers on sys.path, or run as a script
    from hf_hub_writes import WriteRoutes
    from loopback import (
        HOST, JSONRequestHandler, LoopbackHTTPServer, running, serve_until_stopped
    )

try:  # pyyaml is a project dependency; the server still runs without it (no cardData then)
    import yaml as _yaml
except ImportError:  # pragma: no cover
    _yaml = None

__all__ = ["HubServer", "HubRequestHandler", "serve_hub", "main"]

DEFAULT_PAGE_SIZE = 1000  # what the real /api/datasets caps a page at
_SHA40 = re.compile(r"^[0-9a-f]{40}$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_CARD_TAG_KEYS = (
    "task_categories",
    "task_ids",
    "language",
    "license",
    "multilinguality",
    "size_categories",
    "source_datasets",
    "annotations_creators",
    "language_creators",
)
_FORMAT_BY_EXT = {
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".txt": "text",
    ".arrow": "arrow",
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _iso(ts: float | _dt.datetime | str) -> str:
    """Format like the Hub: ``2024-05-01T12:00:00.000Z`` (what ``parse_datetime`` expects)."""
    if isinstance(ts, str):
        return ts
    if isinstance(ts, _dt.datetime):
        dt = ts if ts.tzinfo else ts.replace(tzinfo=_dt.timezone.utc)
    else:
        dt = _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)
    dt = dt.astimezone(_dt.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true", "yes", "on"}


def _holds_file(folder: Path) -> bool:
    """A folder directly holding a (non-hidden) file is a repo, else a namespace."""
    return any(c.is_file() and not c.name.startswith(".") for c in folder.iterdir())


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class _BlobCache:
    """git blob sha1 of files, cached on (path, size, mtime_ns)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, int, str]] = {}

    def oid(self, path: Path) -> str:
        st = path.stat()
        key = str(path)
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
                return hit[2]
        h = hashlib.sha1(f"blob {st.st_size}\0".encode())
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        oid = h.hexdigest()
        with self._lock:
            self._cache[key] = (st.st_size, st.st_mtime_ns, oid)
        return oid


class Repo:
    """One dataset repo on disk (a snapshot of what is there now)."""

    def __init__(self, server: "HubServer", repo_id: str, path: Path):
        self.server = server
        self.id = repo_id
        self.path = path

    # -- files ---------------------------------------------------------------
    def files(self) -> list[str]:
        """Repo-relative posix paths of all files (no .git), sorted."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.path):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel_dir = Path(dirpath).relative_to(self.path).as_posix()
            for fn in filenames:
                out.append(fn if rel_dir == "." else f"{rel_dir}/{fn}")
        return sorted(out)

    def file(self, rel: str) -> Path | None:
        p = self._safe(rel)
        return p if p is not None and p.is_file() else None

    def folder(self, rel: str) -> Path | None:
        p = self._safe(rel)
        return p if p is not None and p.is_dir() else None

    def _safe(self, rel: str) -> Path | None:
        rel = rel.strip("/")
        norm = posixpath.normpath(rel) if rel else "."
        if norm.startswith("..") or norm.startswith("/") or ".git" in norm.split("/"):
            return None
        return self.path if norm == "." else self.path / norm

    # -- metadata -------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        return dict(self.server.repo_meta.get(self.id, {}))

    @property
    def author(self) -> str | None:
        return self.id.split("/")[0] if "/" in self.id else None

    def sha(self) -> str:
        meta_sha = self.meta.get("sha")
        if meta_sha:
            return meta_sha
        if not self.server.content_sha:
            return _sha1(f"dataset/{self.id}")
        parts = [f"dataset/{self.id}"]
        for rel in self.files():
            st = (self.path / rel).stat()
            parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
        return _sha1("\n".join(parts))

    def mtimes(self) -> list[float]:
        times = [self.path.stat().st_mtime]
        times += [(self.path / rel).stat().st_mtime for rel in self.files()]
        return times

    def created_at(self) -> str:
        meta = self.meta
        if "createdAt" in meta:
            return _iso(meta["createdAt"])
        return _iso(min(self.mtimes()))

    def last_modified(self) -> str:
        meta = self.meta
        if "lastModified" in meta:
            return _iso(meta["lastModified"])
        return _iso(max(self.mtimes()))

    def readme(self) -> str | None:
        p = self.file("README.md")
        return p.read_text(encoding="utf-8", errors="replace") if p else None

    def card_data(self) -> dict[str, Any] | None:
        text = self.readme()
        if text is None or _yaml is None:
            return None
        m = _FRONT_MATTER.match(text)
        if not m:
            return None
        try:
            data = _yaml.safe_load(m.group(1))
        except Exception:
            return None
        if not isinstance(data, dict):
            return None
        # YAML dates etc. must become JSON
        return json.loads(json.dumps(data, default=str))

    def description(self) -> str:
        text = self.readme() or ""
        m = _FRONT_MATTER.match(text)
        body = text[m.end():] if m else text
        return body.strip()[:300]

    def tags(self, card: dict[str, Any] | None) -> list[str]:
        tags: list[str] = []
        card = card or {}
        for t in card.get("tags") or []:
            tags.append(str(t))
        for key in _CARD_TAG_KEYS:
            vals = card.get(key)
            if vals is None:
                continue
            for v in vals if isinstance(vals, list) else [vals]:
                prefix = "task_categories" if key == "task_categories" else key
                tags.append(f"{prefix}:{v}")
        formats = sorted(
            {
                _FORMAT_BY_EXT[Path(rel).suffix]
                for rel in self.files()
                if Path(rel).suffix in _FORMAT_BY_EXT and rel != "README.md"
            }
        )
        tags += [f"format:{f}" for f in formats]
        tags += ["library:datasets", "region:us"]
        return list(dict.fromkeys(tags))

    def siblings(self, blobs: bool) -> list[dict[str, Any]]:
        out = []
        for rel in self.files():
            entry: dict[str, Any] = {"rfilename": rel}
            if blobs:
                p = self.path / rel
                entry["size"] = p.stat().st_size
                entry["blobId"] = self.server.blobs.oid(p)
            out.append(entry)
        return out

    def info(self, *, full: bool, blobs: bool = False, listing: bool = False, expand: list[str] | None = None) -> dict:
        """The JSON the Hub returns for a dataset (listing item or /api/datasets/<id>)."""
        card = self.card_data()
        data: dict[str, Any] = {
            "_id": _sha1("id/" + self.id)[:24],
            "id": self.id,
            "author": self.author,
            "sha": self.sha(),
            "lastModified": self.last_modified(),
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": self.tags(card),
            "description": self.description(),
            "createdAt": self.created_at(),
            "key": "",
            "trendingScore": 0,
        }
        if not listing or full:
            data["cardData"] = card or {}
            data["siblings"] = self.siblings(blobs)
            data["citation"] = (card or {}).get("citation")
            data["paperswithcode_id"] = (card or {}).get("paperswithcode_id")
            data["usedStorage"] = sum((self.path / rel).stat().st_size for rel in self.files())
        extra = self.meta
        for k, v in extra.items():
            data[k] = _iso(v) if k in ("createdAt", "lastModified") else v
        if expand:
            # like the real Hub: only the asked-for properties (plus ids)
            if "cardData" in expand and "cardData" not in data:
                data["cardData"] = card or {}
            if "siblings" in expand and "siblings" not in data:
                data["siblings"] = self.siblings(blobs)
            keep = {"_id", "id", *expand}
            data = {k: v for k, v in data.items() if k in keep}
        return data

    # -- tree ----------------------------------------------------------------
    def entry(self, rel: str, expand: bool) -> dict[str, Any] | None:
        p = self._safe(rel)
        if p is None or not p.exists():
            return None
        rel = p.relative_to(self.path).as_posix()
        if p.is_file():
            st = p.stat()
            entry: dict[str, Any] = {
                "type": "file",
                "oid": self.server.blobs.oid(p),
                "size": st.st_size,
                "path": rel,
            }
            if expand:
                entry["securityFileStatus"] = {"status": "safe", "avScan": None, "pickleImportScan": None}
        else:
            entry = {"type": "directory", "oid": _sha1(f"tree/{self.id}/{rel}"), "size": 0, "path": rel}
        if expand:
            entry["lastCommit"] = {"id": self.sha(), "title": "Upload dataset", "date": self.last_modified()}
        return entry

    def tree(self, rel: str, recursive: bool, expand: bool) -> list[dict[str, Any]] | None:
        base = self.folder(rel)
        if base is None:
            return None
        dirs: list[str] = []
        files: list[str] = []
        if recursive:
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d != ".git")
                for d in dirnames:
                    dirs.append((Path(dirpath) / d).relative_to(self.path).as_posix())
                for fn in sorted(filenames):
                    files.append((Path(dirpath) / fn).relative_to(self.path).as_posix())
        else:
            for child in sorted(base.iterdir()):
                if child.name == ".git":
                    continue
                (dirs if child.is_dir() else files).append(child.relative_to(self.path).as_posix())
        # The Hub lists "tree first": folders, then files
        out = [self.entry(r, expand) for r in sorted(dirs)] + [self.entry(r, expand) for r in sorted(files)]
        return [e for e in out if e is not None]


# --------------------------------------------------------------------------------------------
# server
# --------------------------------------------------------------------------------------------


class HubServer(LoopbackHTTPServer):
    """A threaded HTTP server serving ``root`` as huggingface.co would.

    Attributes tests may use: ``url``, ``root``, ``requests`` (list of ``"METHOD /path?query"``,
    appended in arrival order), ``repo_meta`` (per-repo overrides), ``page_size`` (items per
    /api/datasets page; lower it to exercise the ``Link`` pagination), ``clear_requests()``,
    ``count(substring, method=None)``, ``delay_s`` (each request waits this long before its answer, as
    over a network), ``max_in_flight`` (the most requests it was answering at once), ``tokens`` (the
    accepted bearer tokens) and ``commits`` (every commit received: repo, oid, parent, summary,
    description, date, files, deleted; in arrival order).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        host: str = HOST,
        port: int = 0,
        *,
        created_at: dict[str, Any] | None = None,
        repo_meta: dict[str, dict[str, Any]] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        content_sha: bool = False,
        quiet: bool = True,
        delay_s: float = 0.0,
        tokens: Iterable[str] = (),
    ):
        self.root = Path(root)
        self.tokens = set(tokens)
        self.commits: list[dict[str, Any]] = []
        self.write_lock = threading.Lock()
        self.delay_s = delay_s
        self.in_flight = self.max_in_flight = 0
        self.repo_meta: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (repo_meta or {}).items()}
        for rid, ts in (created_at or {}).items():
            self.repo_meta.setdefault(rid, {})["createdAt"] = ts
        self.page_size = page_size
        self.content_sha = content_sha
        self.quiet = quiet
        self.requests: list[str] = []
        self._requests_lock = threading.Lock()
        self.blobs = _BlobCache()
        super().__init__((host, port), HubRequestHandler)

    def log_request_path(self, method: str, path: str) -> None:
        with self._requests_lock:
            self.requests.append(f"{method} {path}")

    def clear_requests(self) -> None:
        with self._requests_lock:
            self.requests.clear()

    def count(self, substring: str, method: str | None = None) -> int:
        with self._requests_lock:
            reqs = list(self.requests)
        return sum(
            1
            for r in reqs
            if substring in r.split(" ", 1)[1] and (method is None or r.split(" ", 1)[0] == method)
        )

    # -- repos ---------------------------------------------------------------
    def repos(self) -> list[Repo]:
        out: list[Repo] = []
        if not self.root.is_dir():
            return out
        for top in sorted(self.root.iterdir()):
            if not top.is_dir() or top.name.startswith("."):
                continue
            children = list(top.iterdir())
            if _holds_file(top):
                out.append(Repo(self, top.name, top))  # depth-1 repo
                continue
            for sub in sorted(children):
                if sub.is_dir() and not sub.name.startswith("."):
                    out.append(Repo(self, f"{top.name}/{sub.name}", sub))
        return out

    def repo(self, repo_id: str) -> Repo | None:
        parts = repo_id.split("/")
        if not 1 <= len(parts) <= 2 or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return None
        path = self.root.joinpath(*parts)
        if not path.is_dir():
            return None
        if len(parts) == 1:
            # depth-1 repo only if it directly holds a file (otherwise it is a namespace)
            if not _holds_file(path):
                return None
        elif _holds_file(path.parent):
            return None  # "<depth-1 repo>/<subfolder>" is a folder, not a repo
        return Repo(self, repo_id, path)

    def split_repo(self, segments: list[str]) -> tuple[Repo | None, list[str]]:
        """Take the repo id off the front of decoded path segments (2 segments, else 1)."""
        if len(segments) >= 2:
            r = self.repo(f"{segments[0]}/{segments[1]}")
            if r is not None:
                return r, segments[2:]
        if segments:
            r = self.repo(segments[0])
            if r is not None:
                return r, segments[1:]
        return None, segments


class HubRequestHandler(WriteRoutes, JSONRequestHandler):
    server: HubServer
    server_version = "FakeHub/1.0"
    json_content_type = "application/json; charset=utf-8"
    common_headers = {"Access-Control-Allow-Origin": "*"}

    # -- plumbing --------------------------------------------------------------
    def _error(
        self, status: int, code: str | None, message: str, head: bool = False, headers: dict[str, str] | None = None
    ) -> None:
        h = {"X-Error-Message": message}
        if code:
            h["X-Error-Code"] = code
        h.update(headers or {})
        self.send_json({"error": message}, status=status, headers=h, head=head)

    def _dispatch(self, method: str) -> None:
        self.server.log_request_path(method, self.path)
        with self.server._requests_lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            time.sleep(self.server.delay_s)
            self._answer(method)
        finally:
            with self.server._requests_lock:
                self.server.in_flight -= 1

    def _answer(self, method: str) -> None:
        body = self.read_body() if method == "POST" else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        raw_segments = [s for s in split.path.split("/") if s != ""]
        segments = [unquote(s) for s in raw_segments]
        head = method == "HEAD"
        try:
            if method == "POST" and segments in (["api", "repos", "create"], ["api", "validate-yaml"]):
                return self.write("create" if segments[1] == "repos" else "validate_yaml", body)
            if segments[:2] == ["api", "datasets"]:
                if len(segments) == 2:
                    if method in ("GET", "HEAD"):
                        return self._list_datasets(query, head)
                    return self._error(405, None, "Method not allowed", head)
                return self._api_dataset(method, segments[2:], query, body, head)
            if segments[:1] == ["datasets"] and "resolve" in segments:
                return self._resolve(method, segments[1:], head)
            if segments[:1] == ["api"] and len(segments) >= 2 and segments[1] in ("models", "spaces"):
                return self._error(404, "RepoNotFound", "Repository not found", head)
            return self._error(404, None, "Not Found", head)
        except BrokenPipeError:
            pass
        except Exception as e:  # pragma: no cover - surfaced to the client as a 500
            with contextlib.suppress(Exception):
                self._error(500, None, f"{type(e).__name__}: {e}", head)

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    # -- /api/datasets -----------------------------------------------------------
    def _list_datasets(self, query: dict[str, list[str]], head: bool) -> None:
        def one(name: str) -> str | None:
            vals = query.get(name)
            return vals[-1] if vals else None

        if not self.token_ok(write=False, head=head):
            return
        repos = [r for r in self.server.repos() if self.may_read(r)]
        author = one("author")
        if author:
            repos = [r for r in repos if r.author == author]
        for term in query.get("search", []):
            t = term.lower()
            repos = [r for r in repos if t in r.id.lower()]
        full = _truthy(one("full"))
        expand = query.get("expand[]", []) + query.get("expand", [])
        items = [r.info(full=full, listing=True) for r in repos]
        # expand/filters are evaluated on the full item, then trimmed
        for f in query.get("filter", []):
            items = [it for it in items if f in it["tags"] or f == it["id"]]
        sort = one("sort")
        direction = one("direction")
        if sort:
            key = {"created_at": "createdAt", "last_modified": "lastModified"}.get(sort, sort)
            # the Hub sorts descending unless direction=1
            reverse = direction != "1"
            items.sort(key=lambda it: (it.get(key) is not None, it.get(key), it["id"]), reverse=reverse)
        else:
            items.sort(key=lambda it: it["id"], reverse=direction == "-1")
        limit = one("limit")
        page_size = self.server.page_size
        if limit is not None:
            try:
                page_size = max(1, min(int(limit), page_size))
            except ValueError:
                return self._error(400, None, f"Invalid limit: {limit}", head)
        try:
            offset = int(one("cursor") or 0)
        except ValueError:
            return self._error(400, None, "Invalid cursor", head)
        page = items[offset : offset + page_size]
        if expand:
            keep = {"_id", "id", *expand}
            by_id = {r.id: r for r in repos}
            page = [
                {k: v for k, v in by_id[it["id"]].info(full=True, listing=True).items() if k in keep} for it in page
            ]
        headers = {}
        if offset + page_size < len(items):
            pairs = [(k, v) for k, vals in query.items() if k != "cursor" for v in vals]
            pairs.append(("cursor", str(offset + page_size)))
            headers["Link"] = f'<{self.server.url}/api/datasets?{urlencode(pairs)}>; rel="next"'
        self.send_json(page, headers=headers, head=head)

    def _api_dataset(
        self, method: str, segments: list[str], query: dict[str, list[str]], body: bytes, head: bool
    ) -> None:
        repo, rest = self.server.split_repo(segments)
        if rest[:1] in (["preupload"], ["commit"]) and len(rest) > 1 and method == "POST":
            if repo is None:
                return self._error(404, "RepoNotFound", "Repository not found", head)
            return self.write(rest[0], repo, "/".join(rest[1:]), body, query)
        if not self.token_ok(write=False, head=head):
            return
        if repo is None or not self.may_read(repo):
            return self._error(404 if repo is None else 401, "RepoNotFound", "Repository not found", head)
        blobs = _truthy((query.get("blobs") or [None])[-1])
        expand = query.get("expand[]", []) + [e for e in query.get("expand", []) if e not in ("true", "false", "True", "False")]
        if not rest:
            if method == "POST":
                return self._error(405, None, "Method not allowed", head)
            return self.send_json(repo.info(full=True, blobs=blobs, expand=expand or None), head=head)
        action, args = rest[0], rest[1:]
        if action == "revision" and args:
            if not self._revision_ok(repo, "/".join(args), head):
                return
            return self.send_json(repo.info(full=True, blobs=blobs, expand=expand or None), head=head)
        if action == "tree" and args:
            rev, path = args[0], "/".join(args[1:])
            if not self._revision_ok(repo, rev, head):
                return
            recursive = _truthy((query.get("recursive") or [None])[-1])
            want_expand = _truthy((query.get("expand") or [None])[-1])
            entries = repo.tree(path, recursive, want_expand)
            if entries is None:
                return self._error(404, "EntryNotFound", f"{path} does not exist on \"{rev}\"", head)
            return self.send_json(entries, head=head)
        if action == "paths-info" and args and method == "POST":
            rev = "/".join(args)
            if not self._revision_ok(repo, rev, head):
                return
            paths, want_expand = self._parse_paths_info(body)
            out = [e for e in (repo.entry(p, want_expand) for p in paths) if e is not None]
            return self.send_json(out, head=head)
        if action == "refs":
            sha = repo.sha()
            return self.send_json(
                {
                    "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": sha}],
                    "converts": [],
                    "tags": [],
                    "pullRequests": [],
                },
                head=head,
            )
        if action == "commits" and args:
            if not self._revision_ok(repo, "/".join(args), head):
                return
            recorded = [c for c in reversed(self.server.commits) if c["repo"] == repo.id]
            if recorded:
                return self.send_json(
                    [{"id": c["oid"], "title": c["summary"], "message": c["description"], "authors": [],
                      "date": c["date"]} for c in recorded],
                    head=head,
                )
            return self.send_json(
                [
                    {
                        "id": repo.sha(),
                        "title": "Upload dataset",
                        "message": "",
                        "authors": [{"user": repo.author or "system"}],
                        "date": repo.last_modified(),
                    }
                ],
                head=head,
            )
        return self._error(404, None, "Not Found", head)

    @staticmethod
    def _parse_paths_info(body: bytes) -> tuple[list[str], bool]:
        text = body.decode("utf-8", errors="replace")
        if text.lstrip().startswith("{"):
            obj = json.loads(text)
            paths = obj.get("paths") or []
            return ([paths] if isinstance(paths, str) else list(paths)), bool(obj.get("expand"))
        form = parse_qs(text, keep_blank_values=True)
        paths = form.get("paths", []) + form.get("paths[]", [])
        return paths, _truthy((form.get("expand") or [None])[-1])

    def _revision_ok(self, repo: Repo, rev: str, head: bool) -> bool:
        if rev in ("main", "refs/heads/main") or rev == repo.sha():
            return True
        self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", head)
        return False

    # -- /datasets/<id>/resolve/<rev>/<path> --------------------------------------
    def _resolve(self, method: str, segments: list[str], head: bool) -> None:
        if method not in ("GET", "HEAD"):
            return self._error(405, None, "Method not allowed", head)
        try:
            i = segments.index("resolve")
        except ValueError:
            return self._error(404, None, "Not Found", head)
        if not self.token_ok(write=False, head=head):
            return
        repo = self.server.repo("/".join(segments[:i]))
        if repo is None or i == 0 or i > 2:
            return self._error(404, "RepoNotFound", "Repository not found", head)
        if not self.may_read(repo):
            return self._error(401, "RepoNotFound", "Repository not found", head)
        if len(segments) < i + 3:
            return self._error(404, "EntryNotFound", "Entry not found", head)
        rev, rel = segments[i + 1], "/".join(segments[i + 2 :])
        if not self._revision_ok(repo, rev, head):
            return
        sha = repo.sha()
        path = repo.file(rel)
        if path is None:
            return self._error(404, "EntryNotFound", "Entry not found", head, headers={"X-Repo-Commit": sha})
        st = path.stat()
        size = st.st_size
        oid = self.server.blobs.oid(path)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or path.suffix in (".jsonl", ".json", ".md", ".csv", ".yaml", ".yml"):
            ctype = (ctype if ctype != "application/octet-stream" else "text/plain") + "; charset=utf-8"
        headers = {
            "X-Repo-Commit": sha,
            "ETag": f'"{oid}"',
            "Accept-Ranges": "bytes",
            "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.name)}; filename=\"{path.name}\";",
            "Cache-Control": "private, max-age=0, must-revalidate" if rev == "main" else "public, max-age=31536000",
        }
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range")
        if rng:
            parsed = _parse_range(rng, size)
            if parsed is None:
                headers["Content-Range"] = f"bytes */{size}"
                return self.send_body(416, b"", content_type=ctype, headers=headers, head=head)
            # like the Hub (and S3/CloudFront behind it): any satisfiable Range gets a 206
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = max(0, end - start + 1)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head or length == 0:
            return
        with open(path, "rb") as f:
            f.seek(start)
            remaining = length
            while remaining > 0:
                chunk = f.read(min(1 << 16, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Parse a single ``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` range; None if unsatisfiable."""
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None if size == 0 else (0, size - 1)
    if m.group(1) == "":
        n = int(m.group(2))
        if n == 0 or size == 0:
            return None
        return max(0, size - n), size - 1
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_hub(
    root: str | os.PathLike, host: str = HOST, port: int = 0, *, return_server: bool = False, **kwargs: Any
) -> Iterator[Any]:
    """``with serve_hub(root) as url:`` -- run the fake Hub on a free port for the block.

    ``return_server=True`` yields the :class:`HubServer` instead (``.url``, ``.requests``, ...).
    Extra keyword arguments go to :class:`HubServer` (``created_at``, ``repo_meta``,
    ``page_size``, ``content_sha``, ``quiet``, ``delay_s``, ``tokens``).
    """
    with running(HubServer(root, host, port, **kwargs)) as server:
        yield server if return_server else server.url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve a local Hub-layout directory as if it were huggingface.co")
    ap.add_argument("root", help="directory holding <owner>/<name>/ dataset repos")
    ap.add_argument("--host", default=HOST)
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    ap.add_argument("--content-sha", action="store_true", help="commit sha changes when files change")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    ap.add_argument("--token", action="append", default=[], help="a bearer token accepted for writes (repeatable)")
    args = ap.parse_args(argv)
    server = HubServer(
        args.root, args.host, args.port, page_size=args.page_size, content_sha=args.content_sha,
        quiet=not args.verbose, tokens=args.token,
    )
    banner = f"serving {Path(args.root).resolve()} at {server.url}  (export HF_ENDPOINT={server.url})"
    serve_until_stopped(server, banner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
