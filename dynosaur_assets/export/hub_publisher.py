"""The `HubPublisher` resource: where exports are pushed on the Hugging Face Hub, if anywhere."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from dynosaur_assets.export.hub_push import DEFAULT_COMMIT_MESSAGE, HubPush, push_export


class HubPublisher(dg.ConfigurableResource):
    """A dataset repo (`DYNOSAUR_EXPORT_REPO`) and a write token (`HF_TOKEN`); with no repo, exports
    stay local. The token is never logged or stored: `HubPush` does not carry it."""

    repo_id: str = Field(default="", description="DYNOSAUR_EXPORT_REPO: namespace/name of the dataset repo; "
                         "empty: no push")
    token: str = Field(default="", description="HF_TOKEN, with write access to the repo (never logged or stored)")
    endpoint: str = Field(default="", description="the Hub's URL; empty: huggingface_hub's own (HF_ENDPOINT, "
                          "else https://huggingface.co)")
    private: bool = Field(default=True, description="create the repo private (an existing repo keeps its visibility)")

    def enabled(self) -> bool:
        """Whether exports are pushed (a repo is set)."""
        return bool(self.repo_id.strip())

    def push(self, folder: Path, commit_message: str = DEFAULT_COMMIT_MESSAGE) -> HubPush | None:
        """Push `folder` to the repo (None when no repo is set); a repo without a token is a ValueError."""
        if not self.enabled():
            return None
        return push_export(folder, self.repo_id, self.token, self.endpoint or None, private=self.private,
                           commit_message=commit_message)
