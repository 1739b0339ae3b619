"""Rows inlined in the catalog move to Parquet and read the same (lake.flush_inlined_rows, which
bench/partition_reads.py uses to compare reads of inlined and flushed rows)."""

from dynosaur_assets.lake import LakeSettings, flush_inlined_rows, lake_files
from dynosaur_assets.store import open_lake, replace_partition


def test_inlined_rows_move_to_parquet_and_read_the_same(tmp_path):
    settings = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    with open_lake(settings) as conn:
        for dataset_id in ("owner/a", "owner/b"):
            rows = [{"dataset_id": dataset_id, "config": "default", "task_name": "t", "split": "train",
                     "row_idx": i, "row": "{}"} for i in range(3)]
            replace_partition(conn, dataset_id, {"hub_samples": rows})
        query = "SELECT dataset_id, count(*) FROM hub_samples GROUP BY ALL ORDER BY 1"
        before, files = conn.execute(query).fetchall(), lake_files(conn, settings).live_files
        flush_inlined_rows(conn)
        assert conn.execute(query).fetchall() == before == [("owner/a", 3), ("owner/b", 3)]
        assert lake_files(conn, settings).live_files > files

