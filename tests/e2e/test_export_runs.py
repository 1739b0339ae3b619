"""`corpus_export` after real runs over the embedded Hub (rule designer): the card lists every source
with the licence and instance count the store holds, the files hold the rows of `corpus_instances`,
a licence filter keeps exactly its licences, and a new run makes a new version beside the old one.
(`make run` exports by automation: tests/e2e/test_entry_points.py.)"""

import json
from pathlib import Path

import dagster as dg
import datasets

FIRST_RUN = ["acme-nlp/everyday-nli", "acme-nlp/science-quiz-mc", "dyno-demo/recipe-cards"]
SECOND_RUN = ["openlab/python-docstrings"]


def export(pipeline, **config) -> dict:
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.export.assets import corpus_export

    run_config = {"ops": {"corpus_export": {"config": config}}} if config else None
    result = dg.materialize([corpus_export], instance=pipeline.instance, resources=defs.resources, run_config=run_config)
    assert result.success
    return result.asset_materializations_for_node("corpus_export")[0].metadata


def test_the_export_of_real_runs_matches_the_store_and_versions_follow_runs(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(FIRST_RUN).success
    metadata = export(pipeline)
    folder = Path(metadata["path"].value)
    assert folder.parent == pipeline.db.parent / "exports" / "dynosaur"
    by_source = {(dataset_id, licence): n for dataset_id, licence, n in pipeline.query(
        "SELECT dataset_id, license, count(*) FROM corpus_instances GROUP BY ALL")}
    assert metadata["rows"].value == sum(by_source.values()) > 0
    assert metadata["source_datasets"].value == len(FIRST_RUN)
    card = (folder / "README.md").read_text()
    for (dataset_id, licence), count in by_source.items():
        line = next(line for line in card.splitlines() if line.startswith(f"| {dataset_id} |"))
        assert line.startswith(f"| {dataset_id} | {licence} | https://huggingface.co/datasets/{dataset_id} |")
        assert line.endswith(f"| {count} |")
    rows = pipeline.query("SELECT instruction, input, output, license, website, taskname FROM corpus_instances "
                          "ORDER BY dataset_id, task_id, instance_idx")
    lines = [json.loads(line) for line in (folder / "dynosaur.jsonl").read_text().splitlines()]
    assert [tuple(line.values()) for line in lines] == rows
    assert datasets.load_from_disk(str(folder / "hf_dataset")).num_rows == len(rows)

    mit = export(pipeline, name="mit", licenses=["mit"])
    mit_rows = pipeline.query("SELECT count(*) FROM corpus_instances WHERE license = 'mit'")[0][0]
    assert mit["rows"].value == mit_rows > 0 and mit["licenses"].value == "mit"

    assert pipeline.run(SECOND_RUN).success
    newer = export(pipeline)
    assert newer["status"].value == "written" and newer["snapshot"].value > metadata["snapshot"].value
    assert newer["source_datasets"].value == len(FIRST_RUN + SECOND_RUN) and folder.is_dir()
    assert export(pipeline)["status"].value == "unchanged"
