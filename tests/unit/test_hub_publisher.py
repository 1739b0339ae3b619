"""HubPublisher: configured from DYNOSAUR_EXPORT_REPO and HF_TOKEN, `corpus_export` pushes each version to the
loopback Hub without the token reaching the run's events; an unchanged version makes no commit; a refused push
fails the step and keeps the written version; with no repo nothing is pushed."""

from pathlib import Path

import dagster as dg
import pytest

from dynosaur_assets.export.assets import corpus_export
from dynosaur_assets.export.hub_publisher import HubPublisher
from dynosaur_assets.resources import DynosaurDuckDB
from servers.hf_hub_server import serve_hub
from unit.test_export import lake  # noqa: F401 (fixture)

TOKEN = "hf_publisherSentinelToken_0123456789"
REPO = "dyno-demo/corpus-export"


def export(lake, server, token: str) -> dg.ExecuteInProcessResult:  # noqa: F811
    publisher = HubPublisher(repo_id=dg.EnvVar("DYNOSAUR_EXPORT_REPO"), token=dg.EnvVar("HF_TOKEN"), endpoint=server.url)
    resources = {"duckdb": DynosaurDuckDB(database=":memory:", catalog=lake.catalog), "hub_publisher": publisher}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNOSAUR_EXPORT_REPO", REPO)
        patch.setenv("HF_TOKEN", token)
        return dg.materialize([corpus_export], resources=resources, raise_on_error=False)


def test_the_export_is_pushed_once_per_version_and_no_event_carries_the_token(lake, tmp_path):  # noqa: F811
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        first, again = export(lake, server, TOKEN), export(lake, server, TOKEN)
        commits = list(server.commits)
    assert first.success and again.success
    metadata = first.asset_materializations_for_node("corpus_export")[0].metadata
    assert [(c["repo"], c["summary"]) for c in commits] == [(REPO, f"Dynosaur export v{metadata['snapshot'].value}")]
    assert metadata["hub_commit"].value.endswith(commits[0]["oid"]) and metadata["hub_new_commit"].value is True
    repeated = again.asset_materializations_for_node("corpus_export")[0].metadata
    assert repeated["status"].value == "unchanged" and repeated["hub_new_commit"].value is False
    pushed = {path.name for path in (tmp_path / "hub").rglob("*") if path.is_file()}
    assert {"README.md", "dynosaur.jsonl"} <= pushed, pushed
    assert all(TOKEN not in str(event) for event in first.all_events + again.all_events)


def test_a_refused_push_fails_the_step_keeps_the_version_and_hides_the_token(lake, tmp_path):  # noqa: F811
    wrong = "hf_wrongSentinelToken_9876543210"
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        result = export(lake, server, wrong)
        assert not server.commits
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "not pushed" in failure and "refused HF_TOKEN (401" in failure and wrong not in failure
    assert list((tmp_path / "exports" / "dynosaur").glob("v*/dynosaur.jsonl"))
    assert all(wrong not in str(event) for event in result.all_events)


def test_no_repo_means_no_push_and_a_repo_without_a_token_is_refused(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# Export\n", encoding="utf-8")
    with serve_hub(tmp_path / "hub", return_server=True, tokens={TOKEN}) as server:
        assert HubPublisher(token=TOKEN, endpoint=server.url).push(folder) is None
        with pytest.raises(ValueError, match="set HF_TOKEN"):
            HubPublisher(repo_id=REPO, endpoint=server.url).push(folder)
        assert server.requests == []
