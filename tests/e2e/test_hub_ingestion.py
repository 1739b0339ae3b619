"""Materialize Hub ingestion for the embedded Hub and check rows and every drop reason."""

import json
import shutil

import dagster as dg

from dynosaur_assets.definitions import defs
from dynosaur_assets.hub.sensors import new_hub_datasets
from dynosaur_assets.hub.source import HubSource

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


def tick(pipeline, **hub_settings) -> dg.SensorResult | dg.SkipReason:
    resources = {**defs.resources, "hub_source": HubSource(hub="local", hub_dir=str(pipeline.hub_dir), **hub_settings)}
    with dg.build_sensor_context(instance=pipeline.instance, resources=resources, definitions=defs) as context:
        return new_hub_datasets(context)


def test_the_sensor_lists_the_hub_then_adds_only_candidates_and_rereads_changed_datasets(pipeline, embedded_ids):
    first = tick(pipeline)  # nothing listed yet: a listing run, no partition
    assert [request.job_name for request in first.run_requests] == ["list_the_hub"]
    assert not first.dynamic_partitions_requests
    assert pipeline.list_hub().success
    candidates = {row[0] for row in pipeline.query("SELECT dataset_id FROM hub_listing WHERE candidate")}
    assert candidates == set(embedded_ids) - {"acme-nlp/avis-restaurants-fr", "openlab/phrasebook-en-de",
                                              "dyno-demo/film-synopses", "acme-nlp/weather-bulletins"}

    capped = tick(pipeline, max_new=3)  # the listing is recent: no listing run; three partitions, one run
    [added] = capped.dynamic_partitions_requests
    assert len(added.partition_keys) == 3 and set(added.partition_keys) < candidates
    [request] = capped.run_requests
    assert {key.to_user_string() for key in request.asset_selection} == {
        "hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections", "instruction_samples",
        "instruction_embeddings", "task_reviews"}
    everything = tick(pipeline)
    assert set(everything.dynamic_partitions_requests[0].partition_keys) == candidates
    pipeline.run(sorted(candidates))
    assert isinstance(tick(pipeline), dg.SkipReason)
    snapshot = pipeline.query("SELECT dataset_id, config, ingested_at FROM hub_datasets ORDER BY ALL")

    shutil.copytree(pipeline.hub_dir / "dyno-demo/product-reviews", pipeline.hub_dir / "newcomer/reviews-2")
    (pipeline.hub_dir / "bad..owner").mkdir()
    (pipeline.hub_dir / "bad..owner/README.md").write_text("---\nlicense: mit\n---\n")
    train = pipeline.hub_dir / "dyno-demo/recipe-cards/data/train.jsonl"
    train.write_text("\n".join(train.read_text().splitlines()[:10]) + "\n")
    assert pipeline.list_hub().success
    assert pipeline.query("SELECT reason FROM hub_listing WHERE dataset_id = 'bad..owner'") == [("invalid_id",)]
    grown = tick(pipeline)
    assert grown.dynamic_partitions_requests[0].partition_keys == ["newcomer/reviews-2"]
    assert sorted(request.partition_key or "" for request in grown.run_requests) == ["", "dyno-demo/recipe-cards"]
    pipeline.instance.add_dynamic_partitions("hub_datasets", ["newcomer/reviews-2"])
    for request in grown.run_requests:
        tags = request.tags if request.partition_key is None else {"dagster/partition": request.partition_key}
        assert pipeline.run_tags(tags).success

    after = pipeline.query("SELECT dataset_id, config, ingested_at FROM hub_datasets ORDER BY ALL")
    reread = {"newcomer/reviews-2", "dyno-demo/recipe-cards"}
    assert [row for row in after if row[0] not in reread] == [row for row in snapshot if row[0] not in reread]
    assert {row[0] for row in after if row not in snapshot} == reread
    assert pipeline.query("SELECT count(*) FROM hub_samples WHERE dataset_id = 'dyno-demo/recipe-cards' "
                          "AND split = 'train'") == [(10,)]
    assert isinstance(tick(pipeline), dg.SkipReason)  # the changed dataset was read at its listed commit
