"""`make run`'s entry point (`python -m dynosaur_assets.run`) over a copy of the embedded Hub plus every
hostile local dataset (tests/hostile/hub_cases.py): it exits 0, every hostile dataset has its rejection
reason (or its safe rows) in the store, the embedded datasets are read as without them, and nothing is
written outside the run's data folder and Dagster home."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from locations import EMBEDDED_HUB, PROJECT_ROOT, read_lake
from hostile.guards import watch
from hostile.hub_cases import LOCAL_CASES, build_hub
from hostile.table import record

RUN_TIMEOUT_S = 900


def test_make_run_over_the_embedded_and_every_hostile_dataset_exits_0_with_a_reason_for_each(tmp_path):
    hub, data, home = tmp_path / "hub", tmp_path / "data", tmp_path / "dagster_home"
    shutil.copytree(EMBEDDED_HUB, hub)
    build_hub(hub, LOCAL_CASES)
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    env = {**os.environ, "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(hub), "DAGSTER_HOME": str(home),
           "DYNOSAUR_CATALOG": f"sqlite:{data / 'catalog.sqlite'}", "DYNOSAUR_DESIGNER": "rules",
           "HF_HUB_OFFLINE": "1", "HF_HOME": str(data / "hf_home"), "HF_DATASETS_CACHE": str(data / "hf_datasets")}
    with watch([tmp_path], allowed=(data, home)) as guard:
        done = subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with read_lake(data / "catalog.sqlite") as conn:
        listing = dict(((d, (c, r)) for d, c, r in conn.execute(
            "SELECT dataset_id, candidate, reason FROM hub_listing").fetchall()))
        reasons = {}
        for dataset_id, reason, rows in conn.execute(
                "SELECT dataset_id, drop_reason, sum(sample_rows) FROM hub_datasets GROUP BY ALL").fetchall():
            reasons.setdefault(dataset_id, []).append((reason, rows))
        samples = dict(conn.execute("SELECT dataset_id, count(*) FROM hub_samples GROUP BY ALL").fetchall())
        duplicates = conn.execute("""SELECT count(*) - count(DISTINCT (dataset_id, config, split, row_idx))
                                     FROM hub_samples""").fetchone()[0]
        instructions = conn.execute("SELECT count(*) FROM instructions").fetchone()[0]
    outcomes = {}
    for case in LOCAL_CASES:
        if case.table == "hub_listing":
            outcomes[case.dataset_id] = (listing.get(case.dataset_id), case.dataset_id in reasons)
            assert outcomes[case.dataset_id] == ((False, case.reason), False), case.name
        else:
            outcomes[case.dataset_id] = reasons.get(case.dataset_id)
            allowed = [[(case.reason, case.rows)], *([[("timeout", 0)]] if case.slow else [])]
            assert outcomes[case.dataset_id] in allowed, (case.name, outcomes[case.dataset_id])
            assert samples.get(case.dataset_id, 0) == outcomes[case.dataset_id][0][1]
    embedded = {path.parent.relative_to(EMBEDDED_HUB).as_posix() for path in EMBEDDED_HUB.glob("*/*/README.md")}
    assert embedded <= set(listing) and instructions > 0
    expected = sum(case.rows for case in LOCAL_CASES if outcomes[case.dataset_id] != [("timeout", 0)])
    found = sum(samples.get(case.dataset_id, 0) for case in LOCAL_CASES)
    timeouts = sum(outcome == [("timeout", 0)] for outcome in outcomes.values())
    record("hub/full-run", f"make run: embedded Hub + {len(LOCAL_CASES)} hostile datasets, exit "
           f"{done.returncode} in {guard.seconds:.0f} s ({timeouts} slow cases timed out)", expected, found, duplicates,
           files_outside_data=len(guard.outside))
    assert duplicates == 0 and guard.outside == [], guard.outside
