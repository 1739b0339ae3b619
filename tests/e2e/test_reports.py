"""The pictures: a partitioned run draws its own datasets only (into reports/last_run/), and
`corpus_reports`, run by `make run` after the partitioned runs, draws the whole store (into reports/)."""

from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from dynosaur_assets.curate.verbs import verb_noun
from dynosaur_assets.reports import plots

FIRST_RUN = ["acme-nlp/everyday-nli", "dyno-demo/product-reviews"]
SECOND_RUN = ["acme-nlp/topic-news-4"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[Path, object]:
    """What each picture was drawn from, by the PNG path it was written to."""
    inputs: dict[Path, object] = {}
    for name, path_at in (("funnel_chart", 1), ("verb_noun_sunburst", 1), ("embedding_map", 2)):
        original = getattr(plots, name)

        def record(*args, _original=original, _path_at=path_at, **kwargs):
            inputs[Path(args[_path_at])] = args[0]
            return _original(*args, **kwargs)

        monkeypatch.setattr(plots, name, record)
    return inputs


def expected(pipeline, dataset_ids: list[str] | None) -> dict:
    """Funnel stages, verb–noun counts and map size recomputed from the tables for these datasets (all if None)."""
    scope = "TRUE" if dataset_ids is None else "list_contains($1, dataset_id)"
    params = [] if dataset_ids is None else [dataset_ids]

    def count(sql: str) -> int:
        return pipeline.query(sql.replace("{scope}", scope), params)[0][0]

    pairs = Counter(verb_noun(text) for (text,) in pipeline.query(
        f"SELECT base_instruction FROM instructions WHERE {scope}", params))
    return {
        "funnel": [("listed", count("SELECT count(*) FROM hub_listing WHERE {scope}")),
                   ("candidates", count("SELECT count(*) FROM hub_listing WHERE candidate AND {scope}")),
                   ("datasets", count("SELECT count(DISTINCT dataset_id) FROM hub_datasets WHERE {scope}")),
                   ("configs", count("SELECT count(*) FROM hub_datasets WHERE {scope}")),
                   ("kept", count("SELECT count(*) FROM hub_datasets WHERE keep AND {scope}")),
                   ("proposals", count("SELECT count(*) FROM task_designs WHERE parse_error IS NULL AND {scope}")),
                   ("valid paper rules", count("SELECT count(*) FROM instructions WHERE {scope}")
                    + count("SELECT count(*) FROM task_rejections WHERE rule IN (SELECT rule FROM strict_rules)"
                            " AND {scope}")),
                   ("valid strict rules", count("SELECT count(*) FROM instructions WHERE rule_set = 'strict' AND {scope}")),
                   ("valid tasks", count("SELECT count(*) FROM instructions WHERE {scope}")),
                   ("instances", count("SELECT count(*) FROM instruction_samples WHERE {scope}"))],
        "verb_noun": {(verb, noun): n for (verb, noun), n in pairs.items() if verb and noun},
        "map": count("SELECT count(DISTINCT instruction) FROM instructions WHERE {scope}"),
    }


def check_pictures(drawn: dict[Path, object], folder: Path, want: dict) -> None:
    assert dict(drawn[folder / "funnel.png"]) == dict(want["funnel"])
    sunburst = drawn[folder / "verb_noun.png"]
    assert {(verb, noun): n for verb, nouns in sunburst.items() for noun, n in nouns.items()} == want["verb_noun"]
    assert len(drawn[folder / "embedding_map.png"]) == want["map"] > 1
    for name in ("funnel.png", "verb_noun.png", "embedding_map.png"):
        assert (folder / name).read_bytes()[:8] == PNG


def test_a_partitioned_run_draws_only_its_own_datasets(pipeline, drawn, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(FIRST_RUN).success
    drawn.clear()
    result = pipeline.run(SECOND_RUN)
    assert result.success

    reports = pipeline.db.parent / "reports"
    assert {path.parent for path in drawn} == {reports / "last_run"}  # no store-wide picture
    want = expected(pipeline, SECOND_RUN)
    assert want["funnel"][2] == ("datasets", 1) and want["funnel"] != expected(pipeline, None)["funnel"]
    check_pictures(drawn, reports / "last_run", want)

    [instructions] = [m for m in result.asset_materializations_for_node("curation") if m.asset_key.path == ["instructions"]]
    assert instructions.metadata["funnel"].value.startswith(
        "![Curation funnel of this run's 1 dataset](data:image/png;base64,")
    assert "data:image/png;base64," in instructions.metadata["verb_noun"].value
    [embeddings] = result.asset_materializations_for_node("instruction_embeddings")
    assert "data:image/png;base64," in embeddings.metadata["map"].value


def test_corpus_reports_draws_the_store_wide_pictures_after_the_partitioned_runs(pipeline, drawn, monkeypatch):
    """The automation sensor materializes `corpus_reports` after partitioned runs (test_entry_points.py);
    here it is materialized by hand after two of them."""
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.reports.assets import corpus_reports

    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(FIRST_RUN).success
    assert pipeline.run(SECOND_RUN).success
    drawn.clear()
    assert dg.materialize([corpus_reports], instance=pipeline.instance, resources=defs.resources).success

    reports = pipeline.db.parent / "reports"
    check_pictures(drawn, reports, expected(pipeline, None))
    event = pipeline.instance.get_latest_materialization_event(dg.AssetKey("corpus_reports"))
    partitioned = pipeline.instance.get_latest_materialization_event(dg.AssetKey("instruction_embeddings"))
    assert event.timestamp > partitioned.timestamp and event.run_id != partitioned.run_id
    metadata = event.asset_materialization.metadata
    assert metadata["funnel/datasets"].value == len(FIRST_RUN + SECOND_RUN)
    assert metadata["funnel/valid_tasks"].value == pipeline.query("SELECT count(*) FROM instructions")[0][0]
    assert metadata["funnel"].value.startswith("![Curation funnel of the store](data:image/png;base64,")
    for name in ("verb_noun", "map"):
        assert "data:image/png;base64," in metadata[name].value

