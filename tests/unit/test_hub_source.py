"""HubSource.read_dataset on a local Hub: the card is checked before the Hub is asked for config names."""

import json
from pathlib import Path

import datasets
import pytest

from dynosaur_assets.hub.source import HubSource, local_hub_sources

ROWS = [{"question": f"Question {i}?", "answer": f"Answer {i}."} for i in range(4)]


def write_dataset(root: Path, dataset_id: str, license: str) -> None:
    """A repository whose card declares no `configs`, so `datasets` must be asked for its config names."""
    repo = root / dataset_id
    (repo / "data").mkdir(parents=True)
    (repo / "README.md").write_text(f"---\nlicense: {license}\nlanguage:\n- en\n---\n# {dataset_id}\n")
    (repo / "data" / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))


@pytest.fixture
def config_name_calls(monkeypatch) -> list[str]:
    """The paths `datasets.get_dataset_config_names` is called with (it still answers)."""
    calls: list[str] = []
    real = datasets.get_dataset_config_names

    def counting(path: str, **kwargs) -> list[str]:
        calls.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(datasets, "get_dataset_config_names", counting)
    return calls


def test_a_dataset_the_card_drops_costs_no_config_name_call(tmp_path, config_name_calls):
    write_dataset(tmp_path, "owner/dropped", license="cc-by-nc-nd-4.0")
    read = HubSource(hub="local", hub_dir=str(tmp_path)).read_dataset("owner/dropped")
    assert config_name_calls == []
    assert (read.configs, read.samples) == (["default"], {})


def test_only_the_kept_dataset_is_asked_for_its_config_names(tmp_path, config_name_calls):
    write_dataset(tmp_path, "owner/dropped", license="cc-by-nc-nd-4.0")
    write_dataset(tmp_path, "owner/kept", license="mit")
    sources = local_hub_sources(tmp_path)
    assert config_name_calls == [str(tmp_path / "owner/kept")]
    assert [(source.task_name, len(source.rows)) for source in sources] == [("owner/kept", 4)]
