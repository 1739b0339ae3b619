"""Materialize every asset with the rule-based designer and check the curated outputs."""

EXPECTED_INSTANCE = (
    "Read the premise and the hypothesis and decide whether the premise entails the hypothesis, "
    "contradicts it, or neither. Answers must be one of neutral, contradiction, entailment.",
    "premise is 'A crowd has gathered to watch street musicians play the violin.'. "
    "hypothesis is 'The musicians are students from a local conservatory.'. ",
    "neutral",
    "cc-by-4.0",
    "acme-nlp/everyday-nli",
)


def embedded_count(result) -> int:
    [materialization] = result.asset_materializations_for_node("instruction_embeddings")
    return materialization.metadata["embedded"].value


def test_every_kept_config_gets_valid_tasks_and_instances(pipeline, embedded_ids, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(embedded_ids).success
    kept = pipeline.query("SELECT count(*) FROM hub_datasets WHERE keep")[0][0]
    with_tasks = pipeline.query("SELECT count(DISTINCT dataset_id || config) FROM instructions")[0][0]
    assert with_tasks / kept >= 0.8
    designers = pipeline.query("SELECT DISTINCT designer FROM instructions")
    assert designers == [("rules",)]
    orphans = pipeline.query(
        "SELECT count(*) FROM instruction_samples s ANTI JOIN instructions i USING (dataset_id, task_id)"
    )
    assert orphans == [(0,)]
    longest = pipeline.query("SELECT max(length(input)), max(length(output)) FROM instruction_samples")[0]
    assert max(longest) <= 2000


def test_known_instance_is_rendered_byte_for_byte(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    assert pipeline.run(["acme-nlp/everyday-nli"]).success
    rows = pipeline.query(
        "SELECT instruction, input, output, license, taskname FROM instruction_samples "
        "WHERE input LIKE 'premise is ''A crowd has gathered%' AND output = 'neutral' AND instruction LIKE 'Read the premise%'"
    )
    assert rows == [EXPECTED_INSTANCE]


def test_embeddings_are_cached_across_runs(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    first = pipeline.run(["dyno-demo/product-reviews"])
    distinct = pipeline.query("SELECT count(DISTINCT instruction) FROM instructions")[0][0]
    assert embedded_count(first) == distinct > 0
    second = pipeline.run(["dyno-demo/product-reviews"])
    assert embedded_count(second) == 0
    [(dims, norm)] = pipeline.query(
        "SELECT DISTINCT len(embedding), round(list_dot_product(embedding, embedding), 3) FROM instruction_embeddings"
    )
    assert (dims, norm) == (384, 1.0)


def test_pictures_are_written_and_embedded_in_metadata(pipeline, monkeypatch):
    monkeypatch.setenv("DYNOSAUR_DESIGNER", "rules")
    result = pipeline.run(["acme-nlp/everyday-nli", "dyno-demo/product-reviews"])
    instructions = [m for m in result.asset_materializations_for_node("curation") if m.asset_key.path == ["instructions"]]
    assert instructions[0].metadata["funnel"].value.startswith(
        "![Curation funnel of this run's 2 datasets](data:image/png;base64,")
    assert "data:image/png;base64," in instructions[0].metadata["verb_noun"].value
    per_dataset = instructions[0].metadata["per_dataset"].value
    for dataset_id in ("acme-nlp/everyday-nli", "dyno-demo/product-reviews"):
        [(tasks, instances)] = pipeline.query(
            "SELECT (SELECT count(*) FROM instructions WHERE dataset_id = $1), "
            "(SELECT count(*) FROM instruction_samples WHERE dataset_id = $1)", [dataset_id])
        assert f"| {dataset_id} | {tasks} |" in per_dataset and f"| {instances} |" in per_dataset
    [embeddings, *_] = result.asset_materializations_for_node("instruction_embeddings")
    assert "data:image/png;base64," in embeddings.metadata["map"].value
    reports = pipeline.db.parent / "reports" / "last_run"
    for name in ("funnel.png", "verb_noun.png", "embedding_map.png"):
        assert (reports / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
