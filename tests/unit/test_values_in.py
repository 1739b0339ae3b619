"""store.values_in: reads of some datasets' rows filter inside DuckLake's scan, not after reading the table."""

from dynosaur_assets.lake import LakeSettings
from dynosaur_assets.store import open_lake, replace_partition, values_in

IDS = ["owner/a", "owner/b'quoted", "owner/c"]


def rejection(dataset_id: str) -> dict:
    return {"dataset_id": dataset_id, "config": "default", "task_name": "t", "prompt_kind": "aware",
            "designer": "rules", "designer_version": "1", "position": 0, "rule": "constant_output"}


def test_values_in_selects_exactly_the_given_datasets_inside_the_lake_scan(tmp_path):
    with open_lake(LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")) as conn:
        for dataset_id in IDS:
            replace_partition(conn, dataset_id, {"task_rejections": [rejection(dataset_id)]})
        query = "SELECT dataset_id FROM task_rejections WHERE {} ORDER BY dataset_id"
        assert conn.execute(query.format(values_in(IDS[:2]))).fetchall() == [(IDS[0],), (IDS[1],)]
        assert conn.execute(query.format(values_in([]))).fetchall() == []
        [(_, plan)] = conn.execute(f"EXPLAIN {query.format(values_in(IDS[1:2]))}").fetchall()
        scan = plan[plan.index("DUCKLAKE_SCAN"):]
        assert "dataset_id" in scan[scan.index("Filters:"):]  # a filter of the scan, not a FILTER above it
