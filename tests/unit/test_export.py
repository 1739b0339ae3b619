"""Exports of a real lake in a temporary directory (hand-written rows): the version is the snapshot that
last changed what the export reads, read at that snapshot; every format loads with the counts and an
instance of DuckDB; an existing version is not written again, nor overwritten with other options; a
failed write leaves no version; the asset's metadata and files hold no secret."""

import json
from pathlib import Path

import dagster as dg
import datasets
import duckdb
import polars as pl
import pytest

from dynosaur_assets.export import formats
from dynosaur_assets.export.assets import corpus_export
from dynosaur_assets.export.corpus import export_corpus
from dynosaur_assets.export.hub_publisher import HubPublisher
from dynosaur_assets.export.options import ExportOptions, ExportOptionsError
from dynosaur_assets.export.read import NotALake, export_snapshot, read_corpus
from dynosaur_assets.export.versions import ExportConflict
from dynosaur_assets.lake import LakeSettings, flush_inlined_rows
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import connect_store, insert_rows, open_lake, replace_partition, transaction

SOURCES = {"acme/mit-qa": "mit", "acme/nc-news": "cc-by-nc-4.0", "lab/apache-nli": "apache-2.0"}
DYNOSAUR = ["instruction", "input", "output", "license", "website", "taskname"]
SECRET = "sk-export-secret-never-written"


def write_dataset(conn, dataset_id: str, licence: str, tasks: int = 2, instances: int = 3) -> None:
    """One source with `tasks` rule-designed tasks of `instances` instances each, and one LLM call."""
    replace_partition(conn, dataset_id, {
        "hub_datasets": [{"dataset_id": dataset_id, "config": "default", "task_name": dataset_id, "license": licence,
                          "task_categories": ["question-answering"], "keep": True, "sample_rows": instances,
                          "source": "local", "ingested_at": "2025-01-01", "website": f"https://{dataset_id}.org"}],
        "instructions": [{"dataset_id": dataset_id, "config": "default", "task_name": dataset_id, "task_id": f"t{t}",
                          "instruction": f"Task {t} of {dataset_id}.", "base_instruction": "b", "input_fields": ["q"],
                          "output_field": ["a"], "prompt_kind": "aware", "designer": "rules",
                          "designer_version": "1", "instances": instances} for t in range(tasks)],
        "instruction_samples": [{"dataset_id": dataset_id, "config": "default", "task_id": f"t{t}", "instance_idx": i,
                                 "instruction": f"Task {t} of {dataset_id}.", "input": f"question {i} — “quoted”\nline",
                                 "output": f"answer {t}.{i}", "license": licence,
                                 "website": f"https://{dataset_id}.org", "taskname": dataset_id}
                                for t in range(tasks) for i in range(instances)],
        "llm_calls": [{"request_hash": dataset_id, "model": "m", "prompt_kind": "aware", "dataset_id": dataset_id,
                       "prompt_tokens": 1, "completion_tokens": 1, "cached_tokens": 0, "cost_usd": 0.125,
                       "latency_s": 0.1, "attempts": 1, "created_at": "2025-01-01"}],
    })


@pytest.fixture
def lake(tmp_path) -> LakeSettings:
    settings = LakeSettings.from_settings(f"sqlite:{tmp_path / 'catalog.sqlite'}")
    with open_lake(settings) as conn:
        for dataset_id, licence in SOURCES.items():
            write_dataset(conn, dataset_id, licence)
    return settings


def latest_snapshot(conn) -> int:
    return conn.execute("SELECT snapshot_id FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1").fetchone()[0]


def add_duplicate(conn, dataset_id: str, task_id: str, instance_idx: int) -> None:
    with transaction(conn, "duplicates"):
        insert_rows(conn, "instance_duplicates", [{
            "dataset_id": dataset_id, "task_id": task_id, "instance_idx": instance_idx, "reason": "exact_instance",
            "kept_dataset_id": "acme/mit-qa", "kept_task_id": "t0", "kept_instance_idx": 0}])


def test_the_version_is_the_last_snapshot_that_changed_the_corpus_and_is_read_as_of_then(lake):
    with open_lake(lake) as conn:
        version = export_snapshot(conn)
        assert version == latest_snapshot(conn)
        with transaction(conn, "not the corpus"):
            insert_rows(conn, "quality_results", [{"run_id": "r", "partition": "p", "suite": "s", "expectation": "e",
                                                   "check_name": "c", "severity": "warn", "success": True,
                                                   "checked_at": "2025-01-01"}])
        replace_partition(conn, "acme/mit-qa", {"llm_calls": []})
        flush_inlined_rows(conn)
        assert latest_snapshot(conn) > version and export_snapshot(conn) == version
        add_duplicate(conn, "acme/nc-news", "t1", 2)
        assert export_snapshot(conn) == latest_snapshot(conn) > version
        assert read_corpus(conn, version).height == 18
        now = read_corpus(conn, export_snapshot(conn))
        assert now.height == 17 and ("acme/nc-news", "t1", 2) not in now.select("dataset_id", "task_id",
                                                                                  "instance_idx").rows()


def test_every_format_loads_with_the_counts_and_instances_of_duckdb(lake, tmp_path):
    with open_lake(lake) as conn:
        add_duplicate(conn, "lab/apache-nli", "t0", 1)
        outcome = export_corpus(conn, tmp_path / "exports", ExportOptions())
        expected = conn.execute(f"SELECT {', '.join(DYNOSAUR)} FROM corpus_instances "
                                "ORDER BY dataset_id, task_id, instance_idx").fetchall()
    folder = outcome.folder
    assert outcome.status == "written" and folder == tmp_path / "exports" / "dynosaur" / f"v{outcome.snapshot}"
    assert (tmp_path / "exports" / "dynosaur" / "latest").resolve() == folder
    assert len(expected) == outcome.manifest["rows"] == 17
    one = dict(zip(DYNOSAUR, expected[7]))

    as_json = datasets.load_dataset("json", data_files=str(folder / "dynosaur.jsonl"), split="train")
    assert as_json.num_rows == 17 and as_json.column_names == DYNOSAUR and as_json[7] == one
    parquet = pl.read_parquet(folder / "dynosaur.parquet")
    assert parquet.height == 17 and parquet.select(DYNOSAUR).row(7, named=True) == one
    assert duckdb.sql(f"SELECT count(*) FROM '{folder / 'dynosaur.parquet'}'").fetchone()[0] == 17
    on_disk = datasets.load_from_disk(str(folder / "hf_dataset"))
    assert on_disk.num_rows == 17 and {k: on_disk[7][k] for k in DYNOSAUR} == one
    assert on_disk[7]["task_categories"] == ["question-answering"] and on_disk[7]["designer"] == "rules"
    for config, columns in [("default", DYNOSAUR), ("messages", ["messages", "license", "taskname"])]:
        loaded = datasets.load_dataset(str(folder), config, split="train")
        assert loaded.num_rows == 17 and loaded.column_names == columns, config
    assert datasets.load_dataset(str(folder), split="train")[7] == one  # the card's default config
    chat = datasets.load_dataset(str(folder), "messages", split="train")[7]["messages"]
    assert [turn["content"] for turn in chat] == [one["instruction"], one["input"], one["output"]]


def test_re_exporting_an_unchanged_snapshot_writes_nothing_and_other_options_are_refused(lake, tmp_path):
    root = tmp_path / "exports"
    with open_lake(lake) as conn:
        first = export_corpus(conn, root, ExportOptions())
        stamps = {p: p.stat().st_mtime_ns for p in first.folder.rglob("*")}
        replace_partition(conn, "acme/mit-qa", {"llm_calls": []})  # a new snapshot, the same corpus
        again = export_corpus(conn, root, ExportOptions())
        assert again.status == "unchanged" and again.folder == first.folder and again.frame is None
        assert {p: p.stat().st_mtime_ns for p in first.folder.rglob("*")} == stamps
        assert sorted(p.name for p in (root / "dynosaur").iterdir()) == sorted(["latest", first.folder.name])
        with pytest.raises(ExportConflict, match="other options.*another export name"):
            export_corpus(conn, root, ExportOptions.build("dynosaur", ["mit"]))
        other = export_corpus(conn, root, ExportOptions.build("mit-only", ["mit"], max_per_task=2))
        assert other.status == "written" and other.manifest["rows"] == 4 and other.manifest["licenses"] == ["mit"]
        write_dataset(conn, "new/source", "cc0-1.0")
        newer = export_corpus(conn, root, ExportOptions())
    assert newer.status == "written" and newer.snapshot > first.snapshot and newer.manifest["rows"] == 24
    assert (root / "dynosaur" / "latest").resolve() == newer.folder and first.folder.is_dir()


def test_a_failed_write_leaves_no_version_folder(lake, tmp_path, monkeypatch):
    def fail(frame, path):
        path.write_text("half")
        raise OSError("disk full")

    monkeypatch.setitem(formats.WRITERS, "hf_dataset", fail)
    root = tmp_path / "exports"
    with open_lake(lake) as conn, pytest.raises(OSError, match="disk full"):
        export_corpus(conn, root, ExportOptions())
    assert list((root / "dynosaur").iterdir()) == []
    monkeypatch.undo()
    with open_lake(lake) as conn:
        assert export_corpus(conn, root, ExportOptions()).status == "written"


def test_filters_that_keep_nothing_write_nothing(lake, tmp_path):
    with open_lake(lake) as conn:
        outcome = export_corpus(conn, tmp_path / "exports", ExportOptions.build("none", ["gpl-3.0"]))
    assert outcome.status == "empty" and outcome.manifest["rows"] == 0 and not outcome.folder.exists()


def test_the_asset_exports_with_its_run_config_and_shows_no_secret(lake, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("HF_TOKEN", SECRET)
    resource = DynosaurDuckDB(database=":memory:", catalog=lake.catalog)
    config = {"ops": {"corpus_export": {"config": {"name": "commercial", "licenses": ["commercial"],
                                                    "max_instances_per_task": 2}}}}
    resources = {"duckdb": resource, "hub_publisher": HubPublisher()}
    result = dg.materialize([corpus_export], resources=resources, run_config=config)
    metadata = result.asset_materializations_for_node("corpus_export")[0].metadata
    folder = Path(metadata["path"].value)
    assert folder.parent == tmp_path / "exports" / "commercial" and folder.name.startswith("v")
    assert metadata["rows"].value == 8 and metadata["source_datasets"].value == 2 and metadata["tasks"].value == 4
    assert metadata["licenses"].value == "apache-2.0, mit" and metadata["status"].value == "written"
    assert "| Task 0 of acme/mit-qa. |" in metadata["preview"].value
    again = dg.materialize([corpus_export], resources=resources, run_config=config)
    assert again.asset_materializations_for_node("corpus_export")[0].metadata["status"].value == "unchanged"
    shown = json.dumps({k: str(v.value) for k, v in metadata.items()})
    files = [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    assert SECRET not in shown and not any(SECRET.encode() in data for data in files)
    assert "$0.2500 for designing the tasks of these sources ($0.3750" in (folder / "README.md").read_text()


def test_a_store_without_snapshots_is_refused_in_one_line(tmp_path):
    conn = connect_store(None)
    with pytest.raises(NotALake, match="not a DuckLake: set DYNOSAUR_CATALOG"):
        export_corpus(conn, tmp_path / "exports", ExportOptions())


def test_tasks_a_review_or_a_human_rejected_are_left_out_unless_reviewed_is_all(lake, tmp_path):
    """acme/mit-qa t0 reviewed wrong_input, t1 unparsed (kept); lab/apache-nli t0 reviewed reasonable and then
    overridden as wrong_output by a human, t1 reviewed wrong_output and overridden as reasonable."""
    root = tmp_path / "exports"
    reviews = {"acme/mit-qa": ["wrong_input", "unparsed"], "lab/apache-nli": ["reasonable", "wrong_output"]}
    with open_lake(lake) as conn:
        for dataset_id, verdicts in reviews.items():
            replace_partition(conn, dataset_id, {"task_reviews": [
                {"dataset_id": dataset_id, "task_id": f"t{t}", "verdict": verdict, "reviewed_at": "2026-01-01"}
                for t, verdict in enumerate(verdicts)]})
        with transaction(conn, "overrides"):
            insert_rows(conn, "task_review_overrides", [
                {"dataset_id": "lab/apache-nli", "task_id": task_id, "verdict": verdict, "who": "ana",
                 "decided_at": "2026-02-01"} for task_id, verdict in (("t0", "wrong_output"), ("t1", "reasonable"))])
        skipped = export_corpus(conn, root, ExportOptions())
        kept = export_corpus(conn, root, ExportOptions.build("everything", reviewed="all"))
        with pytest.raises(ExportOptionsError, match="DYNOSAUR_EXPORT_REVIEWED"):
            ExportOptions.build("x", reviewed="skip")
    tasks = set(skipped.frame.select("dataset_id", "task_id").unique().rows())
    assert tasks == {("acme/mit-qa", "t1"), ("acme/nc-news", "t0"), ("acme/nc-news", "t1"), ("lab/apache-nli", "t1")}
    assert skipped.manifest["rows"] == 3 * len(tasks) and kept.manifest["rows"] == 18
    card = (skipped.folder / "README.md").read_text()
    assert "`wrong_input`, `wrong_output` or `wrong_instruction` are left out" in card
    assert "| reasonable | override | 1 |" in card and "| unparsed | not_reviewed | 1 |" in card
    assert "whatever their review verdict" in (kept.folder / "README.md").read_text()
