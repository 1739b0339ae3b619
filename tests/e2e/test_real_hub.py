"""HubSource(hub="hf") against the fake Hub server gives the same records as the local source.

The client runs in a subprocess: huggingface_hub and datasets read HF_ENDPOINT at import time, and
this test process is offline (see tests/servers/hub_client.py).
"""

import datetime
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from locations import EMBEDDED_HUB
from dynosaur_assets.hub.listing import listing_record
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource
from servers.hf_hub_server import serve_hub
from servers.hub_client import run_hub_client
from servers.loopback import running
from servers.synthetic_hub_server import SyntheticHubServer

# newest first on the Hub: neither alphabetical nor its reverse
CREATED_AT = {
    "dyno-demo/film-synopses": datetime.datetime(2024, 3, 1),  # parquet, dropped by licence
    "acme-nlp/everyday-nli": datetime.datetime(2024, 2, 1),  # parquet, ClassLabel
    "dyno-demo/product-reviews": datetime.datetime(2024, 1, 1),  # jsonl, ClassLabel
}

READ_ALL = """
import json
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf")
ids = list(hub.iter_dataset_ids())
records = {}
for dataset_id in ids:
    read = hub.read_dataset(dataset_id)
    records[dataset_id] = dataset_records(dataset_id, read.card, read.configs, read.samples, hub.source_name)
print("RESULT " + json.dumps({"ids": ids, "records": records}, default=str))
"""

LIST = """
import datetime, json
from dynosaur_assets.hub.listing import listing_record
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf", listing_filter={listing_filter!r})
print("RESULT " + json.dumps([listing_record(item, datetime.datetime(2026, 1, 1)) for item in hub.iter_listing()],
                             default=str))
"""


def run_client(code: str, url: str, tmp_path: Path) -> dict:
    """The JSON result of `code` run against the Hub at `url`, with `DYNOSAUR_HUB=hf` as a real-Hub run has."""
    return run_hub_client(code, url, tmp_path, DYNOSAUR_HUB="hf")


def comparable(datasets: list[dict], samples: list[dict]) -> tuple[list[dict], list[dict]]:
    """Records without the fields that differ by design (source, ingestion time, the local Hub's stand-in
    for a commit), JSON-normalized."""
    datasets = [{k: v for k, v in row.items() if k not in {"source", "ingested_at", "sha"}} for row in datasets]
    return json.loads(json.dumps(datasets)), samples


@pytest.fixture
def hub_root(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    for dataset_id in CREATED_AT:
        shutil.copytree(EMBEDDED_HUB / dataset_id, root / dataset_id)
    return root


def test_real_hub_source_matches_the_local_source(hub_root, tmp_path):
    with serve_hub(hub_root, return_server=True, created_at=CREATED_AT) as server:
        remote = run_client(READ_ALL, server.url, tmp_path)
        requests = list(server.requests)

    assert remote["ids"] == list(CREATED_AT)  # newest first

    local = HubSource(hub="local", hub_dir=str(hub_root))
    assert sorted(local.iter_dataset_ids()) == sorted(CREATED_AT)
    decisions = {}
    for dataset_id in CREATED_AT:
        read = local.read_dataset(dataset_id)
        local_datasets, local_samples = dataset_records(dataset_id, read.card, read.configs, read.samples, "local")
        hf_datasets, hf_samples = remote["records"][dataset_id]
        assert {row["source"] for row in hf_datasets} == {"hf"}
        assert comparable(hf_datasets, hf_samples) == comparable(local_datasets, local_samples)
        decisions[dataset_id] = [(row["keep"], row["drop_reason"], row["sample_rows"]) for row in hf_datasets]

    assert decisions == {
        "dyno-demo/film-synopses": [(False, "disallowed_license", 0)],
        "acme-nlp/everyday-nli": [(True, None, 60)],
        "dyno-demo/product-reviews": [(True, None, 60)],
    }
    hf_samples = remote["records"]["dyno-demo/product-reviews"][1]
    assert {json.loads(s["row"])["label"] for s in hf_samples} == {"neg", "pos"}
    nli_samples = remote["records"]["acme-nlp/everyday-nli"][1]
    assert {json.loads(s["row"])["label"] for s in nli_samples} == {"entailment", "neutral", "contradiction"}

    # the rows really came over HTTP, and the dropped dataset's data files were never asked for
    assert any(r.startswith("GET /datasets/acme-nlp/everyday-nli/resolve/") and r.endswith(".parquet") for r in requests)
    film = [r for r in requests if "film-synopses" in r]
    assert film and {r.rsplit("/", 1)[-1] for r in film} == {"README.md"}


def test_the_hub_listing_gives_the_local_decisions_with_dates_commit_and_popularity(hub_root, tmp_path):
    shutil.copytree(EMBEDDED_HUB / "acme-nlp/avis-restaurants-fr", hub_root / "acme-nlp/avis-restaurants-fr")
    (hub_root / "bad..name").mkdir()
    (hub_root / "bad..name" / "README.md").write_text("---\nlicense: mit\n---\n")
    modified = {dataset_id: f"2025-0{month}-01T00:00:00.000Z" for month, dataset_id in enumerate(
        ["acme-nlp/everyday-nli", "bad..name", "dyno-demo/product-reviews", "acme-nlp/avis-restaurants-fr",
         "dyno-demo/film-synopses"], start=1)}
    meta = {dataset_id: {"lastModified": moment, "downloads": 10 * len(dataset_id), "likes": 3}
            for dataset_id, moment in modified.items()}
    with serve_hub(hub_root, return_server=True, created_at=CREATED_AT, repo_meta=meta) as server:
        listed = run_client(LIST.format(listing_filter=""), server.url, tmp_path)
        mit = run_client(LIST.format(listing_filter="license:mit"), server.url, tmp_path)
        shas = {repo.id: repo.sha() for repo in server.repos()}
        requests = list(server.requests)

    assert [row["dataset_id"] for row in listed] == sorted(modified, key=modified.get, reverse=True)
    local = HubSource(hub="local", hub_dir=str(hub_root)).iter_listing()
    decisions = {item.dataset_id: listing_record(item, datetime.datetime(2026, 1, 1)) for item in local}
    for row in listed:
        expected = decisions[row["dataset_id"]]
        assert (row["candidate"], row["reason"], row["license"], row["languages"]) == (
            expected["candidate"], expected["reason"], expected["license"], expected["languages"])
        assert (row["sha"], row["downloads"], row["likes"]) == (shas[row["dataset_id"]], 10 * len(row["dataset_id"]), 3)
    assert {row["dataset_id"]: row["reason"] for row in listed if not row["candidate"]} == {
        "bad..name": "invalid_id", "acme-nlp/avis-restaurants-fr": "non_english",
        "dyno-demo/film-synopses": "disallowed_license"}
    assert {row["dataset_id"] for row in mit} == {row["dataset_id"] for row in listed if row["license"] == "mit"}
    listings = [r for r in requests if r.startswith("GET /api/datasets?")]
    assert listings and all("cardData" in r and "sort=lastModified" in r for r in listings)
    assert not [r for r in requests if "/resolve/" in r]  # the listing alone: no card downloaded


READ_AT = """
import json
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf", concurrency={concurrency})
ids = sorted(hub.iter_dataset_ids())
records = {{read.dataset_id: dataset_records(read.dataset_id, read.card, read.configs, read.samples, hub.source_name)
           for read in hub.read_datasets(ids)}}
print("RESULT " + json.dumps({{"order": list(records), "records": records}}, default=str))
"""


def test_datasets_read_concurrently_give_the_same_records_in_order(hub_root, tmp_path):
    """Against a Hub answering each request after 50 ms, three datasets read at once give what one at a
    time gives, in the order asked, with several requests in flight."""
    results, peaks = {}, {}
    for concurrency in (1, 3):
        scratch = tmp_path / f"client-{concurrency}"
        scratch.mkdir()
        with serve_hub(hub_root, return_server=True, created_at=CREATED_AT, delay_s=0.05) as server:
            results[concurrency] = run_client(READ_AT.format(concurrency=concurrency), server.url, scratch)
            peaks[concurrency] = server.max_in_flight
    assert results[3]["order"] == results[1]["order"] == sorted(CREATED_AT)
    for dataset_id in CREATED_AT:
        assert comparable(*results[3]["records"][dataset_id]) == comparable(*results[1]["records"][dataset_id])
    assert peaks[1] == 1 < peaks[3], peaks


SYNTHETIC = """
import datetime, json
from dynosaur_assets.hub.listing import listing_record
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf")
rows = [listing_record(item, datetime.datetime(2026, 1, 1)) for item in hub.iter_listing()]
candidate = next(row["dataset_id"] for row in rows if row["candidate"])
read = hub.read_dataset(candidate)
print("RESULT " + json.dumps({"rows": rows, "read": [candidate, read.card.license, read.card.languages, read.sha]},
                             default=str))
"""


def test_a_synthetic_hub_lists_page_by_page_and_serves_cards_on_demand(tmp_path):
    """The stand-in for today's Hub (bench/hub_listing_scale.py): 2,500 datasets over three pages, newest
    first, most of them no candidates, and a listed candidate's card read over HTTP says what its listing
    said."""
    with running(SyntheticHubServer(2_500)) as server:
        out = run_client(SYNTHETIC, server.url, tmp_path)
        pages = server.listing_pages
    rows = out["rows"]
    assert len(rows) == 2_500 and pages == 3
    assert rows[0]["dataset_id"].endswith("dataset-0002499") and rows[-1]["dataset_id"].endswith("dataset-0000000")
    assert [row["last_modified"] for row in rows] == sorted((row["last_modified"] for row in rows), reverse=True)
    reasons = Counter(row["reason"] for row in rows)
    assert 0.1 < reasons[None] / len(rows) < 0.5 and {"no_license", "non_english", "disallowed_license"} <= set(reasons)
    dataset_id, license, languages, sha = out["read"]
    listed = next(row for row in rows if row["dataset_id"] == dataset_id)
    assert (license, languages, sha) == (listed["license"], listed["languages"], listed["sha"])
