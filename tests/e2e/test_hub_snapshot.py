"""Every dataset of ../shared/hub-snapshot (real, messy 2022 cards at depth 1) reads into records.

All datasets are read (about 10 s: most are dropped by their card before any sampling).
"""

import collections

from dynosaur_assets.hub.filters import DROP_REASONS
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.source import HubSource


def test_every_snapshot_dataset_is_kept_or_dropped_with_a_known_reason(hub_snapshot):
    hub = HubSource(hub="local", hub_dir=str(hub_snapshot))
    ids = list(hub.iter_dataset_ids())
    assert len(ids) == len(list(hub_snapshot.glob("*/README.md")))
    assert all("/" not in dataset_id for dataset_id in ids)

    reasons = collections.Counter()
    for dataset_id in ids:
        read = hub.read_dataset(dataset_id)
        datasets, samples = dataset_records(dataset_id, read.card, read.configs, read.samples, "local")
        assert datasets, dataset_id
        for row in datasets:
            assert row["keep"] == (row["drop_reason"] is None), (dataset_id, row["config"])
            assert row["keep"] or row["drop_reason"] in DROP_REASONS, (dataset_id, row["drop_reason"])
            assert (row["sample_rows"] > 0) == row["keep"], (dataset_id, row["config"])
            reasons[row["drop_reason"] or "kept"] += 1
        assert len(samples) == sum(row["sample_rows"] for row in datasets)

    assert reasons["kept"] >= 10, reasons
