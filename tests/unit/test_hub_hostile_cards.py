"""Hostile cards and repositories: data files outside the repository, cards that cannot be read, a
dataset gone since it was listed, a repository that lists no config: each is a recorded reason."""

import pytest

from dynosaur_assets.hub.cards import data_files_problem, listing_card
from dynosaur_assets.hub.listing import ListedDataset, listing_drop_reason
from dynosaur_assets.hub.source import HubSource, LocalHub

CARD = "---\nlicense: mit\nlanguage: [en]\n---\n# x\n"


@pytest.mark.parametrize("data_files", [
    "../x.jsonl", "data/../../x.jsonl", "/etc/passwd", "~/.ssh/id_rsa", "C:/secrets.csv", "https://evil.test/x.csv",
    ["data/ok.jsonl", "../../x"], [{"split": "train", "path": ["ok.jsonl", "/abs.jsonl"]}], {"train": "..\\x.csv"},
])
def test_data_files_outside_the_repository_are_named(data_files):
    meta = {"configs": [{"config_name": "c", "data_files": data_files}]}
    assert "outside the repository" in data_files_problem(meta)
    assert listing_drop_reason(ListedDataset("a/b", card_data={**meta, "license": "mit"})) == "unsafe_data_files"


@pytest.mark.parametrize("data_files", ["data/*.jsonl", ["a..b.jsonl", "x/y.csv"], [{"split": "train", "path": "d/t.*"}]])
def test_data_files_inside_the_repository_pass(data_files):
    assert data_files_problem({"configs": [{"config_name": "c", "data_files": data_files}]}) == ""
    assert data_files_problem({"configs": [{"config_name": "c", "data_dir": "../up"}]})
    assert listing_card({"configs": ["not a dict"]}).unsafe_data_files == ""


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)


def test_unreadable_or_escaping_repositories_are_unreadable_cards(tmp_path):
    hub, outside = tmp_path / "hub", tmp_path / "outside"
    write(outside / "README.md", CARD)
    write(hub / "o/bytes/README.md", b"---\nlicense: mit\n---\n\xff\xfe")
    (hub / "o").mkdir(exist_ok=True)
    (hub / "o/linked").symlink_to(outside)
    write(hub / "o/file-link/README.md", CARD)
    (hub / "o/file-link/data.jsonl").symlink_to(outside / "README.md")
    listed = {item.dataset_id: item for item in LocalHub(hub).iter_listing([])}
    assert {i: listing_drop_reason(item) for i, item in listed.items()} == dict.fromkeys(listed, "unreadable_card")
    assert "outside the Hub directory" in listed["o/linked"].card_error
    source = HubSource(hub="local", hub_dir=str(hub))
    for dataset_id in listed:
        read = source.read_dataset(dataset_id)
        assert read.card.card_error and not read.samples
    with pytest.raises(ValueError, match="not a Hub dataset id"):
        LocalHub(hub).card_text("../outside")


def test_a_dataset_deleted_since_listed_or_without_configs_is_recorded(tmp_path):
    hub = tmp_path / "hub"
    write(hub / "o/gone/README.md", CARD)
    write(hub / "o/empty/README.md", CARD)
    source = HubSource(hub="local", hub_dir=str(hub))
    (hub / "o/gone/README.md").unlink()
    (hub / "o/gone").rmdir()
    gone = source.read_dataset("o/gone")
    assert gone.card.card_error and gone.configs == ["default"] and not gone.samples
    empty = source.read_dataset("o/empty")  # no data file: `datasets` finds no config
    assert empty.configs == ["default"] and empty.samples["default"].failure == "load_error"


def test_a_config_that_failed_with_no_fields_known_is_dropped_for_its_failure():
    from dynosaur_assets.hub.records import config_drop_reason
    from dynosaur_assets.hub.sampling import ConfigSample

    card = listing_card({"license": "mit", "language": ["en"]})
    failed = ConfigSample("c", failure="load_error", error="ArrowInvalid: not parquet")
    assert config_drop_reason(card, failed, {}) == "load_error"
    assert config_drop_reason(card, failed, {"a": {}, "b": {}}) == "load_error"
    assert config_drop_reason(card, ConfigSample("c", features={"a": {}}), {"a": {}}) == "too_few_fields"
