"""The Great Expectations worker process: same outcomes as validating in process, clear errors when
the child fails or dies, and GX never imported by the run's own process."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from dynosaur_assets.quality.suites import validate_frame
from dynosaur_assets.quality.worker import ValidationWorker


def hub_samples(bad_row: bool = False) -> pd.DataFrame:
    rows = [json.dumps({"sentence": f"s{idx}", "label": "yes"}) for idx in range(3)]
    if bad_row:
        rows[1] = "[1, 2]"
    return pd.DataFrame([
        {"dataset_id": "owner/data", "config": "default", "task_name": "owner/data", "split": "train",
         "row_idx": idx, "row": row}
        for idx, row in enumerate(rows)
    ])


@pytest.fixture
def worker():
    worker = ValidationWorker()
    yield worker
    worker.stop()


def test_outcomes_match_validating_in_process(worker):
    for frame in (hub_samples(), hub_samples(bad_row=True)):
        assert worker.validate("hub_samples", frame) == validate_frame("hub_samples", frame)
    assert [o.name for o in worker.validate("hub_samples", hub_samples(True)) if not o.success] == ["row_is_object"]
    assert set(worker.warm_up) == {"import_s", "setup_s", "cpu_s"} and worker.warm_up["import_s"] > 0


def test_an_error_in_the_child_names_it_and_the_worker_goes_on(worker):
    with pytest.raises(RuntimeError, match="(?s)validating no_such_table.*no expectation suite"):
        worker.validate("no_such_table", hub_samples())
    assert all(o.success for o in worker.validate("hub_samples", hub_samples()))


def test_a_dying_child_fails_each_unanswered_validation_by_table_and_is_replaced(worker):
    tickets = {table: worker.submit(table, hub_samples()) for table in ("hub_samples", "hub_datasets")}
    worker._process.kill()  # while it still imports GX (seconds), before any answer
    for table, ticket in tickets.items():
        with pytest.raises(RuntimeError, match=rf"worker process exited \(code -9\) before validating {table}"):
            worker.result(ticket)
    assert all(o.success for o in worker.validate("hub_samples", hub_samples()))


def test_the_child_exits_when_stopped(worker):
    worker.start()
    process = worker._process
    worker.stop()
    assert process.returncode == 0


def test_the_run_process_never_imports_great_expectations():
    code = (
        "import sys, json, pandas as pd\n"
        "from dynosaur_assets.quality.worker import validation_worker\n"
        "frame = pd.DataFrame([{'dataset_id': 'a/b', 'config': 'c', 'task_name': 'a/b-c', 'split': 'train',"
        " 'row_idx': 0, 'row': json.dumps({'x': 1, 'y': 2})}])\n"
        "outcomes = validation_worker().validate('hub_samples', frame)\n"
        "print(len(outcomes), all(o.success for o in outcomes), 'great_expectations' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    count, passed, imported = done.stdout.split()
    assert int(count) > 0 and passed == "True" and imported == "False", done.stderr


def test_submitted_validations_are_answered_in_any_order_asked(worker):
    good, bad = hub_samples(), hub_samples(bad_row=True)
    tickets = [worker.submit("hub_samples", frame) for frame in (good, bad, good)]
    dropped = worker.submit("hub_samples", bad)
    worker.discard(dropped)
    assert worker.result(tickets[2]) == validate_frame("hub_samples", good)
    assert not all(o.success for o in worker.result(tickets[1]))
    assert all(o.success for o in worker.result(tickets[0]))
    assert all(o.success for o in worker.validate("hub_samples", good))
    assert worker._replies == {} and worker._discarded == set()


def test_step_tables_are_the_tables_each_asset_step_writes():
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.quality.checks import STEP_TABLES, TABLE_ASSETS

    written = {frozenset(t for t, asset in TABLE_ASSETS.items() if dg.AssetKey(asset) in step.keys)
               for step in defs.assets}
    assert written - {frozenset()} == {frozenset(tables) for tables in STEP_TABLES}
