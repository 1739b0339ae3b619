"""curate/assets.py RunSummary: a run's curation metadata from counts and first rows, not every row."""

from dynosaur_assets.curate.assets import RunSummary
from dynosaur_assets.metadata import PREVIEW_ROWS


def dataset_tables(dataset_id: str, instances: int) -> dict[str, list[dict]]:
    return {
        "instructions": [{"dataset_id": dataset_id, "designer": "rules"}, {"dataset_id": dataset_id, "designer": "openai"}],
        "task_rejections": [{"dataset_id": dataset_id, "rule": "constant_output"}],
        "instruction_samples": [{"dataset_id": dataset_id, "instance_idx": i} for i in range(instances)],
    }


def test_counts_add_up_and_previews_keep_the_first_rows_only():
    summary = RunSummary()
    for k, instances in enumerate([3, 4, 50]):
        summary.add(dataset_tables(f"d{k}", instances))
    assert summary.rows == {"instructions": 6, "task_rejections": 3, "instruction_samples": 57}
    assert summary.designers == {"rules": 3, "openai": 3}
    assert summary.rules == {"constant_output": 3}
    preview = summary.previews["instruction_samples"]
    assert len(preview) == PREVIEW_ROWS
    assert [(r["dataset_id"], r["instance_idx"]) for r in preview] == [("d0", 0), ("d0", 1), ("d0", 2), ("d1", 0), ("d1", 1)]
    assert [r["dataset_id"] for r in summary.previews["instructions"]] == ["d0", "d0", "d1", "d1", "d2"]
