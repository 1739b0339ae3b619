"""sample_configs on a local Hub folder built in tmp_path (docs/method.md §1, §7)."""

import json
import sys
from pathlib import Path

import pytest

from dynosaur_assets.hub.sampling import sample_configs

README = """\
---
license: mit
language: [en]
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train.jsonl
  - split: validation
    path: data/validation.jsonl
  - split: test
    path: data/test.jsonl
dataset_info:
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': neg
          '1': pos
---
# Toy
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "hub" / "owner" / "toy"
    (repo / "data").mkdir(parents=True)
    (repo / "README.md").write_text(README)
    for split, n in [("train", 150), ("validation", 30), ("test", 150)]:
        rows = [{"text": f"{split} {i}", "label": i % 2} for i in range(n)]
        (repo / "data" / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return repo


# Attempts are counted from the outside, with nothing wrapped: every load of the folder opens its
# README.md once, observed through an audit hook (armed only inside the test that needs it).
_readme_opens: list[str] = []
_watched: set[str] = set()


def _count_readme_opens(event: str, args: tuple) -> None:
    if event == "open" and _watched and str(args[0]) in _watched:
        _readme_opens.append(str(args[0]))


sys.addaudithook(_count_readme_opens)


def test_only_train_and_validation_are_sampled_with_names(repo):
    sample = sample_configs(str(repo), ["default"])["default"]
    assert sample.failure == ""
    assert sorted(sample.rows) == ["train", "validation"]
    assert len(sample.rows["train"]) == 100  # the file has 150
    assert len(sample.rows["validation"]) == 30
    assert sample.rows["train"][:3] == [
        {"text": "train 0", "label": "neg"},
        {"text": "train 1", "label": "pos"},
        {"text": "train 2", "label": "neg"},
    ]
    assert sample.features["label"] == {"names": ["neg", "pos"], "_type": "ClassLabel"}


def test_a_config_that_fails_to_load_is_retried_exactly_once(repo):
    readme = str(repo / "README.md")
    _watched.add(readme)
    try:
        _readme_opens.clear()
        samples = sample_configs(str(repo), ["no-such-config"])
        attempts = len(_readme_opens)
    finally:
        _watched.clear()
    sample = samples["no-such-config"]
    assert sample.failure == "load_error"
    assert sample.error.startswith("ValueError: BuilderConfig 'no-such-config' not found")
    assert sample.rows == {}
    assert attempts == 2  # first pass + one retry


def test_a_config_over_its_time_budget_times_out(repo):
    sample = sample_configs(str(repo), ["default"], budget_s=0.001)["default"]
    assert sample.failure == "timeout"
    assert sample.rows == {}
    assert sample.error.startswith("no rows within")
