"""Hostile content over HTTP (HubSource(hub="hf") against the loopback Hub, in a subprocess as
tests/servers/hub_client.py runs it): ids no folder can hold in the listing, a Hub answering 429 / 503 with
Retry-After, a config that hangs past its budget, a dataset deleted between listing and reading, a split
of 10 million rows and a truncated file: each a recorded reason or its rows, in bounded time and memory."""

import shutil

from hostile.guards import watch
from hostile.hostile_hub_server import HOSTILE_LISTED_IDS, HostileHubServer, listing_item
from hostile.hub_cases import FAULT_CASES, CONTENT_CASES, OWNER, plain
from hostile.table import record
from servers.hub_client import run_hub_client
from servers.loopback import running

BUDGET_S = 8.0
HANG_S = 12.0  # each of the two attempts (the read and its retry) hangs past the budget
CLIENT = """
import datetime, json, resource, shutil, time
from dynosaur_assets.hub.listing import listing_record
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf", config_time_budget_s={budget})
listed = [listing_record(item, datetime.datetime(2026, 1, 1)) for item in hub.iter_listing()]
shutil.rmtree({gone!r})  # deleted between the listing and the read
reads = {{}}
for row in listed:
    if not row["candidate"]:
        continue
    started = time.monotonic()
    read = hub.read_dataset(row["dataset_id"])
    datasets, samples = dataset_records(read.dataset_id, read.card, read.configs, read.samples, "hf", read.sha)
    reads[read.dataset_id] = {{"seconds": time.monotonic() - started, "rows": len(samples),
                              "reasons": sorted({{d["drop_reason"] or "" for d in datasets}}),
                              "errors": [d["error"] for d in datasets]}}
print("RESULT " + json.dumps({{"listing": {{r["dataset_id"]: r["reason"] for r in listed}}, "reads": reads,
                             "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
EXPECTED = {  # dataset → (reason, sample rows)
    "retried": ("", 12), "hangs": ("timeout", 0), "gone": ("unreadable_card", 0),
    "ten-million-rows": ("", 100), "truncated-file": ("load_error", 0), "huge-fields": ("", 8),
}


def test_hostile_content_over_http_is_a_reason_or_rows_in_bounded_time(tmp_path):
    hub, scratch = tmp_path / "hub", tmp_path / "client"
    for name in ("retried", "hangs", "gone"):
        plain()(hub / OWNER / name)
    for case in CONTENT_CASES + FAULT_CASES:
        if case.name in EXPECTED:
            case.build(hub / case.dataset_id)
    faults = {f"{OWNER}/retried/resolve/main/README.md": [429, 429],
              f"{OWNER}/retried/resolve/[^/]+/data/": [503, 429]}
    server = HostileHubServer(hub, faults=faults, hang_s={f"{OWNER}/hangs/resolve/[^/]+/data/": [HANG_S, HANG_S]},
                              listed_extra=[listing_item(dataset_id) for dataset_id in HOSTILE_LISTED_IDS])
    with running(server), watch([tmp_path], allowed=(scratch,)) as guard:
        out = run_hub_client(CLIENT.format(budget=BUDGET_S, gone=str(hub / OWNER / "gone")), server.url, scratch,
                             DYNOSAUR_HUB="hf")
    guard.outside = [path for path in guard.outside if f"/{OWNER}/gone/" not in path]  # the deletion itself
    assert {dataset_id: out["listing"][dataset_id] for dataset_id in HOSTILE_LISTED_IDS} == dict.fromkeys(
        HOSTILE_LISTED_IDS, "invalid_id")
    assert not set(HOSTILE_LISTED_IDS) & set(out["reads"])
    assert not [request for request in server.requests if "etc" in request or "DROP" in request]
    for name, (reason, rows) in EXPECTED.items():
        read = out["reads"][f"{OWNER}/{name}"]
        record(f"hub-http/{name}", f"{name}: {read['reasons']} in {read['seconds']:.1f} s", rows, read["rows"],
               files_outside_data=len(guard.outside))
        assert (read["reasons"], read["rows"]) == ([reason], rows), (name, read)
        assert read["seconds"] < 60, (name, read["seconds"])
    assert out["reads"][f"{OWNER}/hangs"]["seconds"] < 2 * BUDGET_S + 10  # budget, one retry, slack
    assert "RepositoryNotFound" in out["reads"][f"{OWNER}/gone"]["errors"][0]
    assert sorted(status for status, _ in server.faulted) == [429, 429, 429, 503]
    record("hub-http/hostile-listed-ids", "ids with ../, /abs, NUL, 326 chars, quotes, SQL in the listing",
           "rejected", sum(out["listing"][i] == "invalid_id" for i in HOSTILE_LISTED_IDS),
           files_outside_data=len(guard.outside))
    assert out["peak_rss_mb"] < 2_000 and guard.outside == [], (out["peak_rss_mb"], guard.outside)
