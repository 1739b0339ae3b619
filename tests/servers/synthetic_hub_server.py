"""A stand-in for huggingface.co that lists N synthetic datasets without holding them: each listed item
(id, dates, sha, downloads, likes, tags, card metadata) and each card is computed from its position, so a
listing of 500,000 datasets costs no memory. The newest dataset is number N-1; a server with a larger N
lists the same datasets plus newer ones first (the Hub growing).

    GET /api/datasets          sort (last_modified / created_at: both newest first), limit (<= 1000),
                               filter (tags), expand / expand[], cursor (an opaque position) + Link rel=next
    GET /api/datasets/<id>     the dataset's info
    HEAD|GET /datasets/<id>/resolve/main/README.md   its card (no data files)

    python tests/servers/synthetic_hub_server.py --datasets 500000 --port N
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import sys
import tempfile
from urllib.parse import urlencode

if __package__:
    from .hf_hub_server import DEFAULT_PAGE_SIZE, HubRequestHandler, HubServer, _iso, _sha1
    from .loopback import serve_until_stopped
else:  # run as a script, or imported with tests/servers on sys.path
    from hf_hub_server import DEFAULT_PAGE_SIZE, HubRequestHandler, HubServer, _iso, _sha1
    from loopback import serve_until_stopped

NEWEST = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
_ID = re.compile(r"^synth-\d{3}/dataset-(\d{7})$")
# (licence, languages) drawn per dataset: roughly today's Hub, where most datasets fail §1's card rules
LICENSES = ["mit", "apache-2.0", "cc-by-4.0", "cc-by-sa-4.0", None, None, None, "other", "cc-by-nc-nd-4.0", "odc-by"]
LANGUAGES = [["en"], ["en"], ["en"], [], [], ["fr"], ["zh"], ["en", "de"], ["code"], ["ru"]]
TASKS = ["text-classification", "question-answering", "summarization", "translation", "text-generation"]


def dataset_number(dataset_id: str) -> int | None:
    """The position of a synthetic id (None for any other id)."""
    match = _ID.match(dataset_id)
    return int(match.group(1)) if match else None


def dataset_id(number: int) -> str:
    return f"synth-{number % 997:03d}/dataset-{number:07d}"


def card_data(number: int) -> dict:
    """The card metadata of one synthetic dataset (a pseudo-random but fixed draw)."""
    draw = hashlib.blake2b(str(number).encode(), digest_size=8).digest()
    meta: dict = {"task_categories": [TASKS[draw[2] % len(TASKS)]]}
    if (license := LICENSES[draw[0] % len(LICENSES)]) is not None:
        meta["license"] = license
    if languages := LANGUAGES[draw[1] % len(LANGUAGES)]:
        meta["language"] = languages
    return meta


def item(number: int) -> dict:
    """The full listing item of one synthetic dataset."""
    meta = card_data(number)
    draw = hashlib.blake2b(str(number).encode(), digest_size=8).digest()
    modified = NEWEST - datetime.timedelta(minutes=10_000_000 - number)
    tags = [f"{key}:{value}"
            for key, values in meta.items() for value in (values if isinstance(values, list) else [values])]
    return {
        "_id": _sha1(f"id/{number}")[:24], "id": dataset_id(number), "author": dataset_id(number).split("/")[0],
        "sha": _sha1(f"dataset/{number}"), "lastModified": _iso(modified),
        "createdAt": _iso(modified - datetime.timedelta(days=draw[3] % 30)), "private": False, "gated": False,
        "disabled": False, "downloads": int.from_bytes(draw[4:7], "big") % 100_000, "likes": draw[7] % 50,
        "tags": tags, "cardData": meta,
    }


def card_text(number: int) -> str:
    meta = card_data(number)
    front = "".join(f"{key}: {json.dumps(value)}\n" for key, value in meta.items())
    return f"---\n{front}---\n\n# {dataset_id(number)}\n\n## Dataset Summary\n\nSynthetic dataset {number}.\n"


class SyntheticHubServer(HubServer):
    """A Hub listing `datasets` synthetic datasets, newest (number datasets-1) first."""

    def __init__(self, datasets: int, **kwargs) -> None:
        self.datasets = datasets
        self.listing_pages = 0
        self._empty = tempfile.TemporaryDirectory(prefix="synthetic-hub-")
        super().__init__(self._empty.name, **kwargs)
        self.RequestHandlerClass = SyntheticRequestHandler


class SyntheticRequestHandler(HubRequestHandler):
    server: SyntheticHubServer

    def _list_datasets(self, query: dict[str, list[str]], head: bool) -> None:
        filters = set(query.get("filter", []))
        expand = query.get("expand[]", []) + query.get("expand", [])
        page_size = min(int((query.get("limit") or [DEFAULT_PAGE_SIZE])[-1]), self.server.page_size)
        position = int((query.get("cursor") or ["0"])[-1])
        page = []
        while position < self.server.datasets and len(page) < page_size:
            listed = item(self.server.datasets - 1 - position)
            position += 1
            if filters <= set(listed["tags"]):
                page.append({k: v for k, v in listed.items() if not expand or k in {"_id", "id", *expand}})
        headers = {}
        if position < self.server.datasets:
            pairs = [(k, v) for k, vals in query.items() if k != "cursor" for v in vals] + [("cursor", str(position))]
            headers["Link"] = f'<{self.server.url}/api/datasets?{urlencode(pairs)}>; rel="next"'
        self.server.listing_pages += 1
        self.send_json(page, headers=headers, head=head)

    def _api_dataset(self, method, segments, query, body, head) -> None:
        number = dataset_number("/".join(segments[:2]))
        if number is None or number >= self.server.datasets:
            return self._error(404, "RepoNotFound", "Repository not found", head)
        info = item(number)
        info["siblings"] = [{"rfilename": "README.md"}]
        return self.send_json(info, head=head)

    def _resolve(self, method: str, segments: list[str], head: bool) -> None:
        number = dataset_number("/".join(segments[:2]))
        if number is None or number >= self.server.datasets:
            return self._error(404, "RepoNotFound", "Repository not found", head)
        if segments[2:] != ["resolve", "main", "README.md"] and segments[4:] != ["README.md"]:
            return self._error(404, "EntryNotFound", "Entry not found", head)
        body = card_text(number).encode()
        sha = item(number)["sha"]
        self.send_body(200, body, content_type="text/markdown; charset=utf-8", head=head, headers={
            "X-Repo-Commit": sha, "ETag": f'"{_sha1(body.decode())}"', "Accept-Ranges": "bytes"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=500_000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = SyntheticHubServer(args.datasets, port=args.port)
    serve_until_stopped(server, f"serving {args.datasets} synthetic datasets at {server.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
