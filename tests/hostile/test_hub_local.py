"""Each hostile local dataset (tests/hostile/hub_cases.py), listed, read and stored as the pipeline does
(HubSource, listing_record / record_listing, dataset_records, replace_partition into a DuckDB store):
a rejection with its reason in `hub_listing` or `hub_datasets`, or its safe rows; the id and config names
stored exactly as given (parameters, never SQL text); no file written outside the store's folder;
bounded time and memory (measured and reported in the table)."""

import datetime
import json
from pathlib import Path

import duckdb
import pytest

from dynosaur_assets.hub.listing_store import record_listing
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource
from dynosaur_assets.store import apply_schema, replace_partition
from hostile.guards import watch
from hostile.hub_cases import LOCAL_CASES, HubCase
from hostile.table import record

MAX_SECONDS = 120  # generous on 2 shared cores: the slowest case (5,000 columns) takes a few seconds
MAX_RSS_GROWTH_MB = 1_500  # the 3 MB fields and the 10-million-row split stay well under this


def ingest(hub_dir: Path, store: Path) -> duckdb.DuckDBPyConnection:
    """List the Hub into `hub_listing`, then read and store every candidate, as the assets do."""
    conn = duckdb.connect(str(store))
    apply_schema(conn)
    source = HubSource(hub="local", hub_dir=str(hub_dir), config_time_budget_s=60)
    record_listing(conn, source.iter_listing(), datetime.datetime(2026, 1, 1), full=True)
    candidates = [row[0] for row in conn.execute("SELECT dataset_id FROM hub_listing WHERE candidate").fetchall()]
    for read in source.read_datasets(candidates):
        datasets, samples = dataset_records(read.dataset_id, read.card, read.configs, read.samples, "local", read.sha)
        replace_partition(conn, read.dataset_id, {"hub_datasets": datasets, "hub_samples": samples})
    return conn


def check_outcome(conn: duckdb.DuckDBPyConnection, case: HubCase) -> tuple[int, int]:
    """Assert the case's outcome; return (sample rows stored, duplicate sample rows)."""
    listed = conn.execute("SELECT candidate, reason FROM hub_listing WHERE dataset_id = ?", [case.dataset_id]).fetchall()
    assert len(listed) == 1, f"{case.dataset_id!r} is not listed exactly once: {listed}"
    configs = conn.execute("SELECT config, keep, drop_reason, error FROM hub_datasets WHERE dataset_id = ?",
                           [case.dataset_id]).fetchall()
    if case.table == "hub_listing":
        assert listed == [(False, case.reason)]
        assert configs == []
    else:
        assert listed == [(True, None)]
        assert configs and {reason for _, _, reason, _ in configs} == {case.reason}, configs
        assert all(error for _, _, reason, error in configs if reason), "a rejection keeps its error text"
    found, distinct = conn.execute("""SELECT count(*), count(DISTINCT (config, split, row_idx)) FROM hub_samples
                                      WHERE dataset_id = ?""", [case.dataset_id]).fetchone()
    return found, found - distinct


@pytest.mark.parametrize("case", LOCAL_CASES, ids=lambda case: case.name)
def test_a_hostile_local_dataset_is_rejected_with_its_reason_or_read_safely(case, tmp_path):
    hub, data = tmp_path / "hub", tmp_path / "data"
    case.build(hub / case.dataset_id)
    data.mkdir()
    with watch([tmp_path], allowed=(data,)) as guard:
        conn = ingest(hub, data / "store.duckdb")
    with conn:
        found, duplicates = check_outcome(conn, case)
        rows = [json.loads(row) for (row,) in conn.execute("SELECT row FROM hub_samples WHERE dataset_id = ?",
                                                             [case.dataset_id]).fetchall()]
    record(f"hub/{case.name}", f"{case.injected} → {case.reason or 'kept'} ({guard.seconds:.1f} s, "
           f"+{guard.peak_rss_growth_mb:.0f} MB peak RSS)", case.rows, found, duplicates,
           files_outside_data=len(guard.outside))
    assert (found, duplicates) == (case.rows, 0)
    assert all(isinstance(row, dict) and row for row in rows)
    assert guard.outside == []
    assert guard.seconds < MAX_SECONDS and guard.peak_rss_growth_mb < MAX_RSS_GROWTH_MB, guard
