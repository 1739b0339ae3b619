"""HubPublisher: configured from DYNOSAUR_EXPORT_REPO and HF_TOKEN, it pushes from an asset to the loopback Hub
without the token reaching the run's events; with no repo it pushes nothing."""

from pathlib import Path

import dagster as dg
import pytest

from dynosaur_assets.export.hub_publisher import HubPublisher
from servers.hf_hub_server import serve_hub

TOKEN = "hf_publisherSentinelToken_0123456789"
REPO = "dyno-demo/corpus-export"


def export_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# Export\n", encoding="utf-8")
    (folder / "train.jsonl").write_text('{"instruction": "Say hi.", "input": "", "output": "hi"}\n', encoding="utf-8")
    return folder


def test_an_asset_pushes_with_the_environment_settings_and_no_event_carries_the_token(tmp_path, monkeypatch):
    folder = export_folder(tmp_path)
    monkeypatch.setenv("DYNOSAUR_EXPORT_REPO", REPO)
    monkeypatch.setenv("HF_TOKEN", TOKEN)

    @dg.asset
    def pushed_export(hub_publisher: HubPublisher) -> dg.MaterializeResult:
        pushed = hub_publisher.push(folder, commit_message="Dynosaur export v1")
        return dg.MaterializeResult(metadata={"hub_commit": dg.MetadataValue.url(pushed.commit_url),
                                              "new_commit": pushed.new_commit})

    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        publisher = HubPublisher(repo_id=dg.EnvVar("DYNOSAUR_EXPORT_REPO"), token=dg.EnvVar("HF_TOKEN"),
                                 endpoint=server.url)
        result = dg.materialize([pushed_export], resources={"hub_publisher": publisher})
        commits = list(server.commits)

    assert result.success
    assert [(c["repo"], c["summary"]) for c in commits] == [(REPO, "Dynosaur export v1")]
    metadata = result.asset_materializations_for_node("pushed_export")[0].metadata
    assert metadata["hub_commit"].value.endswith(commits[0]["oid"]) and metadata["new_commit"].value is True
    assert all(TOKEN not in str(event) for event in result.all_events)


def test_no_repo_means_no_push_and_a_repo_without_a_token_is_refused(tmp_path):
    folder = export_folder(tmp_path)
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        assert HubPublisher(token=TOKEN, endpoint=server.url).push(folder) is None
        with pytest.raises(ValueError, match="set HF_TOKEN"):
            HubPublisher(repo_id=REPO, endpoint=server.url).push(folder)
        assert server.requests == []
