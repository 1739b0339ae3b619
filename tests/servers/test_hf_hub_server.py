"""The fake Hub (tests/servers/hf_hub_server.py) against the real huggingface_hub and datasets.

The clients run in a subprocess (tests/servers/hub_client.py says why): ``HfApi(endpoint=url)`` alone
would cover the API calls, but ``datasets.load_dataset`` builds its own ``HfApi``/``HfFileSystem``
from ``datasets.config.HF_ENDPOINT``, read at import. The transport checks (headers, Range, error
codes, pagination) talk to the server with ``http.client`` in-process.
"""

from __future__ import annotations

import http.client
import json
import os
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from servers.hf_hub_server import serve_hub
from servers.hub_client import run_hub_client

JAN_2024 = 1704067200  # 2024-01-01T00:00:00Z
JUN_2024 = 1717200000  # 2024-06-01T00:00:00Z

REVIEWS_README = """\
---
language:
- en
license: mit
task_categories:
- text-classification
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train.jsonl
  - split: validation
    path: data/validation.jsonl
dataset_info:
  config_name: default
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': negative
          '1': positive
  splits:
  - name: train
    num_bytes: 102
    num_examples: 3
  - name: validation
    num_bytes: 28
    num_examples: 1
  download_size: 130
  dataset_size: 130
---
# Reviews

Tiny movie reviews, labelled.
"""

TRAIN_ROWS = [
    {"text": "great film", "label": 1},
    {"text": "dull plot", "label": 0},
    {"text": "loved it", "label": 1},
]


def _write(path: Path, text: str, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def _make_repo_old(repo: Path, mtime: float) -> None:
    for p in [*repo.rglob("*"), repo]:
        os.utime(p, (mtime, mtime))


@pytest.fixture
def hub_root(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    reviews = root / "alice" / "reviews"
    _write(reviews / "README.md", REVIEWS_README, JAN_2024)
    _write(reviews / "data" / "train.jsonl", "".join(json.dumps(r) + "\n" for r in TRAIN_ROWS), JAN_2024)
    _write(reviews / "data" / "validation.jsonl", json.dumps({"text": "meh", "label": 0}) + "\n", JAN_2024)
    _make_repo_old(reviews, JAN_2024)
    pairs = root / "bob" / "pairs"
    _write(pairs / "README.md", "---\nlicense: cc-by-4.0\n---\n# Pairs\n", JUN_2024)
    _write(pairs / "pairs.csv", "question,answer\nwhat?,that\nwho?,me\n", JUN_2024)
    _make_repo_old(pairs, JUN_2024)
    return root


def _request(url: str, method: str, path: str, headers: dict[str, str] | None = None):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_transport_headers_ranges_errors_pagination(hub_root: Path) -> None:
    with serve_hub(hub_root, return_server=True, page_size=1) as server:
        url = server.url
        path = "/datasets/alice/reviews/resolve/main/data/train.jsonl"
        size = (hub_root / "alice/reviews/data/train.jsonl").stat().st_size

        status, h, body = _request(url, "HEAD", path)
        assert status == 200 and body == b""
        assert len(h["x-repo-commit"]) == 40
        assert h["etag"].startswith('"') and len(h["etag"].strip('"')) == 40
        assert h["content-length"] == str(size) and h["accept-ranges"] == "bytes"

        status, h, body = _request(url, "GET", path, {"Range": "bytes=1-6"})
        assert status == 206 and body == b'"text"' and h["content-range"] == f"bytes 1-6/{size}"
        status, _, body = _request(url, "GET", path, {"Range": "bytes=-5"})
        assert status == 206 and body == b": 1}\n"
        status, h, _ = _request(url, "GET", path, {"Range": f"bytes={size}-"})
        assert status == 416 and h["content-range"] == f"bytes */{size}"

        assert _request(url, "GET", "/api/datasets/nobody/none")[1]["x-error-code"] == "RepoNotFound"
        assert _request(url, "HEAD", "/datasets/alice/reviews/resolve/main/nope")[1]["x-error-code"] == "EntryNotFound"
        assert _request(url, "GET", "/api/datasets/alice/reviews/revision/v2")[1]["x-error-code"] == "RevisionNotFound"

        # page_size=1: a Link rel="next" per page; the listing is re-read from disk on every request
        status, h, body = _request(url, "GET", "/api/datasets?sort=createdAt&limit=5")
        assert [d["id"] for d in json.loads(body)] == ["bob/pairs"]
        assert 'rel="next"' in h["link"] and "cursor=1" in h["link"]
        carol = hub_root / "carol" / "fresh"
        _write(carol / "README.md", "# fresh\n", JUN_2024 + 86400)
        _make_repo_old(carol, JUN_2024 + 86400)
        status, _, body = _request(url, "GET", "/api/datasets?sort=createdAt&limit=1")
        assert json.loads(body)[0]["id"] == "carol/fresh"
        assert server.count("/api/datasets?sort=createdAt", method="GET") == 2
        assert server.requests[0] == f"HEAD {path}"


CLIENT = textwrap.dedent(
    """
    import json, os
    from huggingface_hub import DatasetCard, HfApi, hf_hub_download
    import datasets

    url = os.environ["HF_ENDPOINT"]
    out = {}
    api = HfApi(endpoint=url)
    listed = list(api.list_datasets(sort="created_at", limit=10))
    out["listed"] = [[d.id, d.created_at.isoformat(), d.sha] for d in listed]
    full = list(api.list_datasets(full=True, author="alice"))
    out["full_card_license"] = full[0].card_data.license
    out["siblings"] = sorted(s.rfilename for s in api.dataset_info("alice/reviews").siblings)

    card = DatasetCard.load("alice/reviews")
    out["card_license"] = card.data.license
    out["card_text_has_title"] = "# Reviews" in card.text
    csv_path = hf_hub_download("bob/pairs", "pairs.csv", repo_type="dataset")
    out["csv"] = open(csv_path, encoding="utf-8").read()

    ds = datasets.load_dataset("alice/reviews", "default", streaming=True, split="train")
    rows = list(ds)
    out["first_row"] = rows[0]
    out["n_train"] = len(rows)
    out["label_names"] = ds.features["label"].names
    val = datasets.load_dataset("alice/reviews", "default", streaming=True, split="validation")
    out["val_label"] = val.features["label"].int2str(next(iter(val))["label"])
    pairs = datasets.load_dataset("bob/pairs", streaming=True, split="train")
    out["pairs"] = list(pairs)
    print("RESULT " + json.dumps(out))
    """
)


def test_real_clients_list_cards_and_stream(hub_root: Path, tmp_path: Path) -> None:
    with serve_hub(hub_root, return_server=True, page_size=1) as server:
        out = run_hub_client(CLIENT, server.url, tmp_path)
        requests = list(server.requests)

    # listing: newest first, createdAt from the mtimes, followed through Link pagination (page_size=1)
    assert [i for i, _, _ in out["listed"]] == ["bob/pairs", "alice/reviews"]
    assert out["listed"][1][1].startswith("2024-01-01T00:00:00")
    assert all(len(sha) == 40 for _, _, sha in out["listed"])
    assert any("cursor=1" in r for r in requests)
    assert out["full_card_license"] == "mit"
    assert out["siblings"] == ["README.md", "data/train.jsonl", "data/validation.jsonl"]

    # cards and plain downloads
    assert out["card_license"] == "mit" and out["card_text_has_title"]
    assert out["csv"].startswith("question,answer")

    # datasets streaming through hf://datasets/... (HfFileSystem) against the fake Hub
    assert out["first_row"] == TRAIN_ROWS[0]
    assert out["n_train"] == 3
    assert out["label_names"] == ["negative", "positive"]
    assert out["val_label"] == "negative"
    assert out["pairs"] == [{"question": "what?", "answer": "that"}, {"question": "who?", "answer": "me"}]

    assert any(r.startswith("GET /datasets/alice/reviews/resolve/") and r.endswith("data/train.jsonl") for r in requests)
    assert any(r.startswith("POST ") or "/tree/" in r for r in requests)
