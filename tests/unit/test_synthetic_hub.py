"""bench/synthetic_hub.py: N variations of the embedded Hub that the project reads like any local Hub."""

import sys

from locations import EMBEDDED_HUB, PROJECT_ROOT

from dynosaur_assets.hub.source import HubSource, local_hub_sources

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from synthetic_hub import embedded_datasets, write_synthetic_hub  # noqa: E402

N = len(embedded_datasets()) + 2  # every embedded dataset once, two of them twice


def label_names(source) -> set[str]:
    return {name for feature in source.features.values() for name in feature.get("names", [])}


def file_bytes(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthetic_datasets_load_with_new_ids_new_labels_and_shuffled_rows(tmp_path):
    ids = write_synthetic_hub(N, tmp_path, seed=7)
    assert sorted(HubSource(hub="local", hub_dir=str(tmp_path)).iter_dataset_ids()) == sorted(ids)
    assert len(set(ids)) == N

    originals = {(s.dataset_id.split("/")[1], s.config): s for s in local_hub_sources(EMBEDDED_HUB)}
    synthetic = local_hub_sources(tmp_path)
    copies = {(s.dataset_id.split("/")[1].rsplit("-", 1)[0], s.config) for s in synthetic}
    assert copies == set(originals)  # every kept config of the embedded Hub is kept in its copies
    assert not {s.dataset_id for s in synthetic} & {s.dataset_id for s in originals.values()}
    shuffled = 0
    for source in synthetic:
        original = originals[(source.dataset_id.split("/")[1].rsplit("-", 1)[0], source.config)]
        labels = label_names(original)
        assert not labels & label_names(source)
        assert len(label_names(source)) == len(labels)
        assert len(source.rows) == len(original.rows)
        shuffled += source.rows != original.rows
    assert shuffled > len(synthetic) // 2


def test_the_same_seed_writes_the_same_hub_and_another_seed_another(tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        write_synthetic_hub(5, tmp_path / name, seed=seed)
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")
    assert file_bytes(tmp_path / "a") != file_bytes(tmp_path / "c")
