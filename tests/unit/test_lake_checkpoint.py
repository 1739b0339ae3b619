"""DuckLake maintenance (dynosaur_assets/lake.py `checkpoint_lake`, the `lake_checkpoint` asset) on a real
lake in a temporary directory: small writes become few Parquet files, rows never change, versions
older than the retention go and younger ones stay; a lake copied elsewhere opens where it now is."""

import shutil

import dagster as dg
import pytest

from dynosaur_assets.lake import LakeConfigError, LakeSettings, checkpoint_lake, lake_files
from dynosaur_assets.maintain.assets import lake_checkpoint
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import open_lake, replace_partition

WRITES = 30


def samples(dataset: str, rows: int) -> list[dict]:
    return [{"dataset_id": dataset, "config": "default", "task_name": dataset, "split": "train", "row_idx": i,
             "row": f'{{"i": {i}}}'} for i in range(rows)]


@pytest.fixture
def lake(tmp_path):
    """A lake after WRITES one-dataset writes, one in ten too large to stay inlined in the catalog."""
    settings = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    with open_lake(settings) as conn:
        for write in range(WRITES):
            replace_partition(conn, f"d{write % 8}", {"hub_samples": samples(f"d{write % 8}", 1200 if write % 10 == 0 else 30)})
    return settings


def contents(conn) -> list[tuple]:
    return conn.execute("SELECT * FROM hub_samples ORDER BY dataset_id, row_idx").fetchall()


def test_a_checkpoint_keeping_every_version_leaves_fewer_files_and_the_same_rows(lake):
    with open_lake(lake) as conn:
        rows, before = contents(conn), lake_files(conn, lake)
        first = conn.execute("SELECT min(snapshot_id) FROM lake.snapshots() WHERE commit_message = 'd0'").fetchone()[0]
        checkpoint_lake(conn, "forever", "0 seconds")
        after = lake_files(conn, lake)
        assert contents(conn) == rows
        assert after.snapshots == before.snapshots + 1  # the checkpoint's own, none expired
        assert conn.execute(f"SELECT count(*) FROM hub_samples AT (VERSION => {first})").fetchone()[0] == 1200
    assert before.files_on_disk > after.live_files <= 2  # one merged data file (and its deletions)


def test_versions_older_than_the_retention_expire(lake):
    with open_lake(lake) as conn:
        rows = contents(conn)
        first = conn.execute("SELECT min(snapshot_id) FROM lake.snapshots()").fetchone()[0]
        checkpoint_lake(conn, "0 seconds", "0 seconds")
        assert contents(conn) == rows
        assert lake_files(conn, lake).snapshots <= 2
        with pytest.raises(Exception, match="(?i)snapshot"):
            conn.execute(f"SELECT count(*) FROM hub_samples AT (VERSION => {first})").fetchall()
        files = lake_files(conn, lake)
        assert files.files_on_disk == files.live_files  # the files only expired versions read are deleted


def test_a_retention_that_is_no_interval_is_refused_and_changes_nothing(lake):
    with open_lake(lake) as conn:
        before = lake_files(conn, lake)
        with pytest.raises(LakeConfigError, match="'a month' is not an interval"):
            checkpoint_lake(conn, "a month", "1 hour")
        assert lake_files(conn, lake) == before


def test_the_asset_reports_the_files_before_and_after(lake):
    resource = DynosaurDuckDB(database=":memory:", catalog=lake.catalog, snapshot_retention="forever")
    result = dg.materialize([lake_checkpoint], resources={"duckdb": resource})
    metadata = result.asset_materializations_for_node("lake_checkpoint")[0].metadata
    # every row written last was small enough to stay in the catalog; the checkpoint flushed them to Parquet
    assert metadata["before/live_files"].value == 0 < metadata["after/live_files"].value <= 2
    assert metadata["after/snapshots"].value == metadata["before/snapshots"].value + 1


def test_a_copied_lake_opens_from_where_it_now_is(lake, tmp_path):
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(lake.catalog_file, copy / "catalog.sqlite")
    shutil.copytree(lake.data_path, copy / "lake")
    shutil.rmtree(lake.data_path)  # the original's Parquet files are gone: the copy must read its own
    moved = LakeSettings.from_settings(f"sqlite:{copy / 'catalog.sqlite'}")
    with open_lake(moved, read_only=True) as conn:
        assert conn.execute("SELECT count(DISTINCT dataset_id) FROM hub_samples").fetchone()[0] == 8
    explicit = LakeSettings.from_settings(f"sqlite:{copy / 'catalog.sqlite'}", str(tmp_path / "nowhere"))
    with pytest.raises(LakeConfigError, match="keeps its Parquet files under .*: set DYNOSAUR_DATA_PATH="):
        open_lake(explicit, read_only=True)


def test_a_new_lakes_tables_get_statistics_without_rows(tmp_path):
    from dynosaur_assets.store import SCHEMA_FILE, give_tables_stats

    settings = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    with open_lake(settings) as conn:
        assert give_tables_stats(conn) == []  # open_lake gave them already
        tables = SCHEMA_FILE.read_text().count("CREATE TABLE IF NOT EXISTS")
        assert conn.execute("SELECT count(*) FROM __ducklake_metadata_lake.ducklake_table_stats").fetchone()[0] == tables
        assert all(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0 for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall())


def test_reading_a_lake_not_created_yet_is_one_line(tmp_path):
    catalog = tmp_path / "catalog.sqlite"
    catalog.touch()  # what a starting run's first step leaves for a moment: the file, no lake in it
    with pytest.raises(LakeConfigError, match="no store at .* yet: run `make run` first"):
        open_lake(LakeSettings.from_settings(f"sqlite:{catalog}"), read_only=True)
