"""The DuckLake store with real processes: readers query while a run writes and only ever see committed
states; a SQLite catalog has one writing run at a time; writers on a Postgres catalog (a real cluster)
conflict, retry and land every row exactly once; a writer killed mid-transaction leaves the previous
snapshot; the CLI opens the lake offline with sql/attach.sql; an old single-file store migrates."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from locations import EMBEDDED_HUB, PROJECT_ROOT, read_lake
from servers.postgres_server import serve_postgres

from dynosaur_assets.lake import LakeConfigError, LakeSettings
from dynosaur_assets.resources import WriterBusy, take_writer_role
from dynosaur_assets.store import open_lake

WRITER = PROJECT_ROOT / "tests" / "servers" / "lake_writer.py"
ANALYSIS = sorted((PROJECT_ROOT / "sql" / "analysis").glob("*.sql"))
# the commit before the lake: a store made by its code is in the old single-file layout
PRE_LAKE_COMMIT = "3507bb8"


def writer(catalog: str, data_path: str, datasets: list[str], **options) -> subprocess.Popen:
    args = [sys.executable, str(WRITER), catalog, data_path, "--datasets", ",".join(datasets)]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    return subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def samples_by_dataset(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(conn.execute("SELECT dataset_id, count(*) FROM hub_samples GROUP BY 1").fetchall())


def test_readers_see_only_committed_states_while_a_run_writes(tmp_path):
    """A subprocess materializes 12 datasets (the project's job, in process) while this process runs
    every analysis query in a loop on a read-only attachment: every query succeeds, and each dataset's
    instances appear all at once (0 or their final count), never part of a partition."""
    hub = tmp_path / "hub"
    shutil.copytree(EMBEDDED_HUB, hub)
    catalog = tmp_path / "catalog.sqlite"
    env = {**os.environ, "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(hub), "DYNOSAUR_DESIGNER": "rules",
           "DYNOSAUR_CATALOG": f"sqlite:{catalog}", "HF_HUB_OFFLINE": "1"}
    script = ("import dagster as dg\nfrom dynosaur_assets.definitions import defs\n"
              "from dynosaur_assets.jobs import partition_range_tags\n"
              f"ids = sorted(p.parent.relative_to({str(hub)!r}).as_posix() for p in "
              f"__import__('pathlib').Path({str(hub)!r}).glob('*/*/README.md'))\n"
              "with dg.DagsterInstance.ephemeral() as i:\n"
              "    i.add_dynamic_partitions('hub_datasets', ids)\n"
              "    assert defs.resolve_job_def('dynosaur').execute_in_process(instance=i, "
              "tags=partition_range_tags(ids[0], ids[-1])).success\n")
    run = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[dict[str, int]] = []
    queries = 0
    while run.poll() is None:
        if not catalog.exists():
            time.sleep(0.2)
            continue
        try:
            conn = read_lake(catalog)
        except (duckdb.CatalogException, LakeConfigError):  # the lake or its schema is being created
            time.sleep(0.2)
            continue
        with conn:
            if "instruction_samples" not in {t for (t,) in conn.execute("SHOW TABLES").fetchall()}:
                continue
            for path in ANALYSIS:
                conn.sql(path.read_text()).fetchall()
                queries += 1
            seen.append(dict(conn.execute(
                "SELECT dataset_id, count(*) FROM instruction_samples GROUP BY 1").fetchall()))
    assert run.returncode == 0, run.stderr[-3000:]
    with read_lake(catalog) as conn:
        final = dict(conn.execute("SELECT dataset_id, count(*) FROM instruction_samples GROUP BY 1").fetchall())
    assert len(final) >= 10 and queries >= len(ANALYSIS)
    partial = [(dataset_id, n) for counts in seen for dataset_id, n in counts.items() if n != final.get(dataset_id)]
    assert partial == [], partial[:5]
    assert any(0 < len(counts) < len(final) for counts in seen), "no read landed while the run was writing"


def test_a_sqlite_catalog_has_one_writing_run_at_a_time(tmp_path):
    lake = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    held = take_writer_role(lake, "run-one")
    with pytest.raises(WriterBusy, match="run run-one"):
        take_writer_role(lake, "run-two")
    held.close()
    take_writer_role(lake, "run-two").close()  # released with its holder


def test_postgres_writers_conflict_retry_and_land_every_row_once(tmp_path):
    datasets = [f"org/d{i}" for i in range(6)]
    with serve_postgres() as dsn:
        catalog, data = f"postgres:{dsn}", str(tmp_path / "lake")
        open_lake(LakeSettings.from_settings(catalog, data)).close()  # the schema, once
        apart = [writer(catalog, data, datasets[:3]), writer(catalog, data, datasets[3:])]
        same = [writer(catalog, data, datasets, rounds=4) for _ in range(2)]
        outputs = [process.communicate(timeout=300) for process in apart + same]
        assert [p.returncode for p in apart + same] == [0] * 4, [err[-2000:] for _, err in outputs]
        with open_lake(LakeSettings.from_settings(catalog, data), read_only=True) as conn:
            assert samples_by_dataset(conn) == {dataset_id: 50 for dataset_id in datasets}
            rounds = conn.execute("SELECT DISTINCT dataset_id, row::JSON->>'round' FROM hub_samples").fetchall()
            assert sorted(d for d, _ in rounds) == datasets  # each partition holds one round's rows
        conflicts = sum(err.count("transaction conflict") for _, err in outputs)
    print(f"conflicts retried: {conflicts}")


def test_a_writer_killed_mid_transaction_leaves_the_previous_snapshot(tmp_path):
    catalog = f"sqlite:{tmp_path / 'catalog.sqlite'}"
    process = writer(catalog, "", ["org/a", "org/b"], rounds=1, hold_s=60)
    assert process.stdout.readline().strip() == "holding"
    with read_lake(tmp_path / "catalog.sqlite") as conn:
        before = samples_by_dataset(conn)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with read_lake(tmp_path / "catalog.sqlite") as conn:
        assert samples_by_dataset(conn) == before == {"org/a": 50, "org/b": 50}
    again = writer(catalog, "", ["org/c"], rounds=1)
    assert again.wait(timeout=120) == 0, again.stderr.read()
    with read_lake(tmp_path / "catalog.sqlite") as conn:
        assert samples_by_dataset(conn) == {"org/a": 50, "org/b": 50, "org/c": 50}


def test_the_cli_opens_the_lake_offline_with_the_init_file(tmp_path):
    process = writer(f"sqlite:{tmp_path / 'data' / 'catalog.sqlite'}", "", ["org/a"], rounds=1)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    init = (PROJECT_ROOT / "sql" / "attach.sql").read_text()
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "attach.sql").write_text(init)
    os.symlink(PROJECT_ROOT / ".duckdb_extensions", tmp_path / ".duckdb_extensions")
    cli = Path(sys.executable).parent / "duckdb"
    done = subprocess.run([str(cli), "-init", "sql/attach.sql", "-csv", "-c", "SELECT count(*) FROM hub_samples"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "50"


def test_an_old_single_file_store_migrates_into_the_lake(tmp_path):
    """A store made by the code of the commit before the lake (its own checkout, the embedded Hub's
    first four datasets) is copied with `make migrate`'s module; `make run` first says so in one line."""
    old = tmp_path / "old"
    archive = subprocess.run(["git", "archive", PRE_LAKE_COMMIT], cwd=PROJECT_ROOT, capture_output=True, check=True)
    old.mkdir()
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    store = tmp_path / "dynosaur.duckdb"
    env = {**os.environ, "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(EMBEDDED_HUB), "DYNOSAUR_DB": str(store),
           "DYNOSAUR_DESIGNER": "rules", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(old)}
    script = ("import dagster as dg\nfrom dynosaur_assets.definitions import defs\n"
              "from dynosaur_assets.jobs import partition_range_tags\n"
              "ids = ['acme-nlp/avis-restaurants-fr', 'acme-nlp/everyday-nli', 'acme-nlp/science-quiz-mc', 'acme-nlp/support-desk']\n"
              "with dg.DagsterInstance.ephemeral() as i:\n"
              "    i.add_dynamic_partitions('hub_datasets', ids)\n"
              "    assert defs.resolve_job_def('dynosaur').execute_in_process(instance=i, "
              "tags=partition_range_tags(ids[0], ids[-1])).success\n")
    made = subprocess.run([sys.executable, "-c", script], cwd=old, env=env, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    with duckdb.connect(str(store), read_only=True) as conn:
        expected = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("hub_datasets", "hub_samples", "instructions", "instruction_samples", "instruction_embeddings")}
    assert expected["instruction_samples"] > 0
    catalog = tmp_path / "lake" / "catalog.sqlite"
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    lake_env = {**os.environ, "DYNOSAUR_DB": str(store), "DYNOSAUR_CATALOG": f"sqlite:{catalog}", "DAGSTER_HOME": str(home)}
    refused = subprocess.run([sys.executable, "-m", "dynosaur_assets.run"], cwd=PROJECT_ROOT, env=lake_env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "make migrate" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    migrated = subprocess.run([sys.executable, "-m", "dynosaur_assets.migrate"], cwd=PROJECT_ROOT, env=lake_env,
                              capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    with read_lake(catalog) as conn:
        assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in expected} == expected
        [(dims,)] = conn.execute("SELECT DISTINCT len(embedding) FROM instruction_embeddings").fetchall()
        assert dims == 384
        [(info,)] = conn.execute("SELECT commit_extra_info FROM lake.snapshots() WHERE author = 'dynosaur'").fetchall()
        assert json.loads(info)["migrated_from"] == str(store)
    again = subprocess.run([sys.executable, "-m", "dynosaur_assets.migrate"], cwd=PROJECT_ROOT, env=lake_env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already holds rows" in again.stderr
