"""Materialize Hub ingestion for the embedded Hub and check rows and every drop reason."""

import json
import shutil

import dagster as dg

from dynosaur_assets.definitions import defs
from dynosaur_assets.hub.sensors import new_hub_datasets

EXPECTED_DROPS = {
    "acme-nlp/avis-restaurants-fr": "non_english",
    "openlab/phrasebook-en-de": "translation",
    "dyno-demo/film-synopses": "disallowed_license",
    "acme-nlp/weather-bulletins": "no_license",
    "openlab/photo-captions": "media_field",
    "dyno-demo/plain-sentences": "too_few_fields",
    "openlab/arithmetic-test-only": "no_rows",
}


def test_every_dataset_is_kept_or_dropped_with_its_reason(pipeline, embedded_ids):
    result = pipeline.run(embedded_ids)
    assert result.success
    drops = dict(pipeline.query("SELECT dataset_id, drop_reason FROM hub_datasets WHERE NOT keep"))
    assert drops == EXPECTED_DROPS
    kept = pipeline.query("SELECT task_name, sample_rows FROM hub_datasets WHERE keep ORDER BY task_name")
    assert len(kept) == len(embedded_ids) - len(EXPECTED_DROPS) + 1  # support-desk has two configs
    assert ("acme-nlp/support-desk-routing", 48) in kept
    assert ("dyno-demo/product-reviews", 60) in kept
    samples = pipeline.query("SELECT count(*) FROM hub_samples")[0][0]
    assert samples == sum(rows for _, rows in kept)
    materializations = result.asset_materializations_for_node("hub_ingestion")
    metadata = {m.asset_key.to_user_string(): m.metadata for m in materializations}
    assert metadata["hub_datasets"]["dropped/no_license"].value == 1
    assert metadata["hub_samples"]["rows"].value == samples


def test_class_labels_are_stored_as_names(pipeline):
    pipeline.run(["dyno-demo/product-reviews"])
    labels = {json.loads(row)["label"] for (row,) in pipeline.query("SELECT row FROM hub_samples")}
    assert labels == {"neg", "pos"}


def test_rematerializing_replaces_exactly_the_partition(pipeline):
    pipeline.run(["dyno-demo/product-reviews", "dyno-demo/recipe-cards"])
    before = pipeline.query("SELECT count(*) FROM hub_samples WHERE dataset_id = 'dyno-demo/recipe-cards'")
    train = pipeline.hub_dir / "dyno-demo/product-reviews/data/train.jsonl"
    lines = train.read_text().splitlines()
    train.write_text("\n".join(lines[:10]) + "\n")
    pipeline.run(["dyno-demo/product-reviews"])
    counts = dict(pipeline.query("SELECT dataset_id, count(*) FROM hub_samples GROUP BY ALL"))
    assert counts["dyno-demo/product-reviews"] == 10 + 15
    assert counts["dyno-demo/recipe-cards"] == before[0][0]


def test_sensor_adds_only_new_datasets_and_their_run_changes_only_them(pipeline, embedded_ids):
    pipeline.run(embedded_ids)
    snapshot = pipeline.query("SELECT dataset_id, config, ingested_at FROM hub_datasets ORDER BY ALL")
    shutil.copytree(pipeline.hub_dir / "dyno-demo/product-reviews", pipeline.hub_dir / "newcomer/reviews-2")
    (pipeline.hub_dir / "bad..owner").mkdir()
    (pipeline.hub_dir / "bad..owner/README.md").write_text("---\nlicense: mit\n---\n")

    with dg.build_sensor_context(instance=pipeline.instance, resources=defs.resources, definitions=defs) as context:
        result = new_hub_datasets(context)
    assert result.dynamic_partitions_requests[0].partition_keys == ["newcomer/reviews-2"]
    [request] = result.run_requests
    assert {key.to_user_string() for key in request.asset_selection} == {
        "hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections", "instruction_samples",
        "instruction_embeddings"}
    pipeline.instance.add_dynamic_partitions("hub_datasets", ["newcomer/reviews-2"])
    assert pipeline.run_tags(request.tags).success

    after = pipeline.query("SELECT dataset_id, config, ingested_at FROM hub_datasets ORDER BY ALL")
    assert [row for row in after if row[0] != "newcomer/reviews-2"] == snapshot
    assert [row[0] for row in after if row not in snapshot] == ["newcomer/reviews-2"]

    with dg.build_sensor_context(instance=pipeline.instance, resources=defs.resources, definitions=defs,
                                 cursor=context.cursor) as context:
        assert isinstance(new_hub_datasets(context), dg.SkipReason)
