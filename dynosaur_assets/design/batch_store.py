"""The Batch API's bookkeeping in the store: `llm_batches`, `llm_batch_requests`, `llm_batch_outcomes`
(sql/schema.sql). A batch and its requests are recorded in one transaction; a batch without an outcome
is open."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb

from dynosaur_assets.design.batch_lines import BatchRequestInfo
from dynosaur_assets.store import insert_rows, transaction


@dataclass(frozen=True)
class BatchRecord:
    """One `llm_batches` row."""

    batch_id: str
    submission_id: str
    step: str
    model: str
    input_file_id: str
    requests: int
    bytes: int
    attempt: int
    parent_batch_id: str | None
    submitted_at: datetime


@dataclass(frozen=True)
class BatchOutcome:
    """One `llm_batch_outcomes` row."""

    batch_id: str
    status: str
    completed: int
    failed: int
    missing: int
    requeued_batch_id: str | None
    closed_at: datetime


def record_batch(conn: duckdb.DuckDBPyConnection, batch: BatchRecord, requests: Sequence[BatchRequestInfo]) -> None:
    """The batch and its requests, in one transaction."""
    rows = [{"batch_id": batch.batch_id, **asdict(info)} for info in requests]
    with transaction(conn, f"llm_batches: {batch.batch_id}", {"rows": {"llm_batch_requests": len(rows)}}):
        insert_rows(conn, "llm_batches", [asdict(batch)])
        insert_rows(conn, "llm_batch_requests", rows)


def record_outcome(conn: duckdb.DuckDBPyConnection, outcome: BatchOutcome) -> None:
    """How the batch ended (after its lines are in llm_calls): it is closed."""
    with transaction(conn, f"llm_batch_outcomes: {outcome.batch_id} {outcome.status}"):
        insert_rows(conn, "llm_batch_outcomes", [asdict(outcome)])


def batch_by_submission(conn: duckdb.DuckDBPyConnection, submission: str) -> str | None:
    """The recorded batch of a submission id, if any."""
    row = conn.execute("SELECT batch_id FROM llm_batches WHERE submission_id = ? ORDER BY batch_id LIMIT 1",
                       [submission]).fetchone()
    return row[0] if row else None


def open_batches(conn: duckdb.DuckDBPyConnection) -> list[BatchRecord]:
    """Every recorded batch without an outcome, oldest first."""
    rows = conn.execute("""
        SELECT batch_id, submission_id, step, model, input_file_id, requests, bytes, attempt, parent_batch_id,
               submitted_at
        FROM llm_batches WHERE batch_id NOT IN (SELECT batch_id FROM llm_batch_outcomes)
        ORDER BY submitted_at, batch_id""").fetchall()
    return [BatchRecord(*row) for row in rows]


def in_open_batches(conn: duckdb.DuckDBPyConnection, request_hashes: Iterable[str]) -> dict[str, str]:
    """The open batch of each of these hashes that is in one."""
    hashes = list(dict.fromkeys(request_hashes))
    if not hashes:
        return {}
    return dict(conn.execute("""
        SELECT request_hash, max(batch_id) FROM llm_batch_requests
        WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))
          AND batch_id NOT IN (SELECT batch_id FROM llm_batch_outcomes)
        GROUP BY request_hash""", [hashes]).fetchall())


def batch_requests(conn: duckdb.DuckDBPyConnection, batch_id: str) -> dict[str, BatchRequestInfo]:
    """The requests of a batch by hash."""
    rows = conn.execute("""SELECT request_hash, dataset_id, prompt_kind, task_name FROM llm_batch_requests
                           WHERE batch_id = ? ORDER BY request_hash""", [batch_id]).fetchall()
    return {row[0]: BatchRequestInfo(*row) for row in rows}


def ready_partitions(conn: duckdb.DuckDBPyConnection, closed_after: datetime | None) -> dict[str, list[str]]:
    """By step, the datasets of the batches closed after `closed_after` (all of them: None) that are in
    no open batch and whose every batched request has an answer (no error) in llm_calls."""
    rows = conn.execute("""
        WITH recent AS (
            SELECT DISTINCT b.step, r.dataset_id FROM llm_batch_outcomes o
            JOIN llm_batches b USING (batch_id) JOIN llm_batch_requests r USING (batch_id)
            WHERE $after IS NULL OR o.closed_at > $after),
        requests AS (
            SELECT b.step, r.dataset_id, r.request_hash, r.batch_id FROM llm_batch_requests r
            JOIN llm_batches b USING (batch_id) JOIN recent USING (step, dataset_id))
        SELECT q.step, q.dataset_id FROM requests q
        LEFT JOIN llm_calls c ON c.request_hash = q.request_hash AND c.error IS NULL
        GROUP BY ALL
        HAVING count(*) FILTER (c.request_hash IS NULL) = 0
           AND count(*) FILTER (q.batch_id NOT IN (SELECT batch_id FROM llm_batch_outcomes)) = 0
        ORDER BY q.step, q.dataset_id""", {"after": closed_after}).fetchall()
    ready: dict[str, list[str]] = {}
    for step, dataset_id in rows:
        ready.setdefault(step, []).append(dataset_id)
    return ready


def last_closed_at(conn: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the latest batch was closed (ORDER BY ... LIMIT 1: DuckLake's max() may count deleted rows)."""
    row = conn.execute("SELECT closed_at FROM llm_batch_outcomes ORDER BY closed_at DESC LIMIT 1").fetchone()
    return row[0] if row else None
