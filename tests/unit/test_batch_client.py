"""The Batch API client against the loopback batch server (the real `openai` SDK, real HTTP) over a
DuckDB store: submission, ingestion of complete / expired / partly failed / failed batches, re-queueing,
the limits, the budget, and a process killed between creating a batch and recording it."""

import subprocess
import sys
import time

import pytest

from locations import PROJECT_ROOT

from dynosaur_assets.design.batch_client import MAX_BATCH_ATTEMPTS, BatchClient, BatchLimits
from dynosaur_assets.design.batch_lines import batch_line, read_jsonl, split_lines, submission_id
from dynosaur_assets.design.batch_store import open_batches, ready_partitions
from dynosaur_assets.design.call_store import DuckDBCallStore
from dynosaur_assets.design.llm_client import ClientSettings, DesignClient, DesignRequest
from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.store import connect_store
from servers.openai_batch_server import serve_batches
from servers.openai_server import serve_openai

SECRET = "sk-test-batch-0123456789abcdefghijklmn"
FIELDS = ["text", "label", "topic", "title", "body", "summary"]


def requests(count: int = 6) -> list[DesignRequest]:
    return [DesignRequest(f"org/data-{i % 3}", "aware", [{"role": "user", "content": f"Field names: "
                          f"[\"{FIELDS[i % 6]}\", \"out{i}\"]\nDesign tasks {i}."}], f"org/data-{i % 3}:default")
            for i in range(count)]


@pytest.fixture
def conn(tmp_path):
    connection = connect_store(tmp_path / "store.duckdb")
    yield connection
    connection.close()


def client_for(server, conn, **limits) -> BatchClient:
    settings = ClientSettings(base_url=server.base_url, max_retries=0)
    return BatchClient(SECRET, settings, DuckDBCallStore(conn), PriceTable(), BatchLimits(**limits))


def calls(conn) -> dict[str, tuple]:
    rows = conn.execute("SELECT request_hash, response_text, prompt_tokens, completion_tokens, cost_usd, mode, error "
                        "FROM llm_calls ORDER BY request_hash").fetchall()
    return {row[0]: row[1:] for row in rows}


def ingest_all(client: BatchClient, conn) -> list:
    return [client.ingest(record) for record in open_batches(conn)]


def test_a_completed_batch_stores_what_a_sync_run_stores_at_half_the_price(tmp_path, conn):
    with serve_batches() as server:
        client = client_for(server, conn)
        first = client.submit(requests(), "design")
        assert len(first.submitted) == 1 and server.uploads == 1 and not first.answered
        assert set(first.waiting.values()) == set(first.submitted)
        again = client.submit(requests(), "design")  # waiting in the open batch: nothing submitted twice
        assert again.submitted == [] and server.batches_created == 1
        [outcome] = ingest_all(client, conn)
        assert (outcome.status, outcome.completed, outcome.failed, outcome.missing) == ("completed", 6, 0, 0)
        assert authorizations_hold_no_secret(server)
    assert ready_partitions(conn, None) == {"design": ["org/data-0", "org/data-1", "org/data-2"]}
    batch = calls(conn)
    sync_conn = connect_store(tmp_path / "sync.duckdb")
    with serve_openai() as server:
        DesignClient(SECRET, DuckDBCallStore(sync_conn), ClientSettings(base_url=server.base_url)).run_sync(requests())
    sync = calls(sync_conn)
    assert batch.keys() == sync.keys()
    for digest, (text, prompt, completion, cost, mode, error) in batch.items():
        assert (text, prompt, completion, mode, error) == (*sync[digest][:3], "batch", None)
        assert cost == pytest.approx(sync[digest][3] / 2) and cost > 0
    with serve_batches() as server:  # everything answered: no batch
        assert client_for(server, conn).submit(requests(), "design").answered.keys() == batch.keys()
        assert server.uploads == 0


def authorizations_hold_no_secret(server) -> bool:
    return all(SECRET not in str(line) for file in server.files.values() for line in [file["data"]])


def test_an_expired_batch_keeps_its_done_half_and_requeues_the_rest(conn):
    with serve_batches(outcomes=["expire_half", "complete"]) as server:
        client = client_for(server, conn)
        [first] = client.submit(requests(), "design").submitted
        [outcome] = ingest_all(client, conn)
        assert (outcome.status, outcome.completed, outcome.failed) == ("expired", 3, 3)
        assert len(calls(conn)) == 3 and outcome.requeued_batch_id
        [requeued] = open_batches(conn)
        assert (requeued.batch_id, requeued.requests, requeued.attempt, requeued.parent_batch_id) == (
            outcome.requeued_batch_id, 3, 2, first)
        requeued_lines = read_jsonl(server.files[requeued.input_file_id]["data"])
        first_lines = read_jsonl(server.files[server.batches[first]["input_file_id"]]["data"])
        by_id = lambda line: line["custom_id"]  # noqa: E731
        assert sorted(requeued_lines, key=by_id) == sorted(first_lines[3:], key=by_id)  # the same bodies and hashes
        assert [o.completed for o in ingest_all(client, conn)] == [3]
        assert server.request_count == 6  # no line answered twice
    assert len(calls(conn)) == 6 and not open_batches(conn)


def test_failed_lines_are_requeued_then_stored_as_failures(conn):
    with serve_batches(outcomes=["fail_lines"], default_outcome="failed") as server:
        client = client_for(server, conn)
        client.submit(requests(), "design")
        [outcome] = ingest_all(client, conn)
        assert (outcome.completed, outcome.failed, outcome.missing) == (4, 2, 0)
        # lines 3 and 6 (both of data-2) failed: the others are ready, data-2 waits for the re-queued batch
        assert ready_partitions(conn, None) == {"design": ["org/data-0", "org/data-1"]}
        for attempt in range(2, MAX_BATCH_ATTEMPTS + 1):
            [outcome] = ingest_all(client, conn)
            assert (outcome.status, outcome.missing, outcome.requeued_batch_id is None) == (
                "failed", 2, attempt == MAX_BATCH_ATTEMPTS)
    stored = calls(conn)
    failures = [row for row in stored.values() if row[5]]
    assert len(stored) == 6 and len(failures) == 2 and all("missing" in row[5] for row in failures)
    assert ready_partitions(conn, None) == {"design": ["org/data-0", "org/data-1"]}


def test_limits_split_the_requests_and_the_budget_holds_back_the_rest(conn):
    lines = [batch_line(str(i), ClientSettings(), request) for i, request in enumerate(requests())]
    assert [len(f) for f in split_lines(lines, max_requests=4)] == [4, 2]
    two = 2 * max(len(line.line) for line in lines)  # a little less than three lines
    assert [len(f) for f in split_lines(lines, max_bytes=two)] == [2, 2, 2]
    with pytest.raises(ValueError, match="more than a batch file"):
        split_lines(lines, max_bytes=10)
    with serve_batches() as server:
        client = client_for(server, conn, max_requests=2)
        budget = 4.5 * client.max_cost(requests()[0])
        result = client.submit(requests(), "design", budget_usd=budget)
        assert len(result.submitted) == 2 and len(result.not_submitted) == 2 and server.uploads == 2
        assert result.estimated_cost_usd <= budget


KILLED = """
import sys
from dynosaur_assets.design.batch_client import BatchClient
from dynosaur_assets.design.call_store import DuckDBCallStore
from dynosaur_assets.design.llm_client import ClientSettings
from dynosaur_assets.store import connect_store
from pathlib import Path
sys.path.insert(0, "tests"); sys.path.insert(0, "tests/unit")
from test_batch_client import requests
conn = connect_store(Path(sys.argv[1]))
client = BatchClient("k", ClientSettings(base_url=sys.argv[2], max_retries=0), DuckDBCallStore(conn))
client.submit(requests(), "design")
"""


def test_a_kill_between_creating_and_recording_a_batch_pays_nothing_twice(tmp_path):
    with serve_batches(create_delay_s=30) as server:
        store = tmp_path / "killed.duckdb"
        process = subprocess.Popen([sys.executable, "-c", KILLED, str(store), server.base_url], cwd=PROJECT_ROOT)
        deadline = time.monotonic() + 60
        while not server.batches_created:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.kill()
        process.wait()
        server.create_delay_s = 0
        conn = connect_store(store)
        assert conn.execute("SELECT count(*) FROM llm_batches").fetchone() == (0,)
        client = client_for(server, conn)
        result = client.submit(requests(), "design")
        assert (server.uploads, server.batches_created) == (1, 1)
        assert result.submitted == list(server.batches)
        [record] = open_batches(conn)
        assert record.submission_id == submission_id([client.request_hash(r) for r in requests()])
        assert client.ingest(record).completed == 6
        conn.close()
