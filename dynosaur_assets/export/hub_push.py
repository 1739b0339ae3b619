"""Push an export folder to a dataset repo on the Hugging Face Hub (issue 15's optional `push_to_hub`).

`push_export` goes through huggingface_hub's own client: `HfApi.create_repo(repo_type="dataset",
exist_ok=True)`, then `HfApi.upload_folder`, which validates the card's YAML (`/api/validate-yaml`),
asks the pre-upload endpoint how to send each file (a regular git blob, or LFS / Xet storage for
binary and large files), skips the files whose blob the repo already holds and commits the rest
(`/api/datasets/<id>/commit/main`). By default the repo mirrors the folder: files of the repo that the
folder lacks are deleted in the same commit (`.gitattributes` stays), so a new export version never
leaves an old shard behind for `load_dataset` to read. Pushing an unchanged folder makes no commit.

The token is checked before any request and never reaches a message: errors name the repo, the
endpoint and what the Hub answered, with the token's text replaced. `endpoint=None` means the
endpoint huggingface_hub itself uses (`HF_ENDPOINT`, read when it is imported, else huggingface.co).

A local run puts huggingface_hub offline (`HF_HUB_OFFLINE=1`: `paths.apply_env_defaults` with the
local Hub, `embed.embedder.load_minilm`), which would refuse every request. A push is an explicit
request to reach the Hub, so `push_export` lifts that switch for its own calls and restores it after;
pushes in one process take turns (other threads of the process are online meanwhile).

Tested against the loopback Hub (tests/servers/hf_hub_writes.py), which answers "regular" for every
file. Untested: the LFS / Xet path that the real Hub chooses for Parquet, Arrow, binary and large files
(the Xet token endpoint, the LFS batch endpoint, the upload to object storage), i.e. how the export's
Parquet and `save_to_disk` files travel on a real push.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError, HFValidationError
from huggingface_hub.utils import validate_repo_id

DEFAULT_COMMIT_MESSAGE = "Upload Dynosaur export"
REDACTED = "<HF_TOKEN>"
_PUSH_LOCK = threading.Lock()


class HubPushError(RuntimeError):
    """The Hub refused or failed a push; the message names the repo, the endpoint and the reason."""


@dataclass(frozen=True)
class HubPush:
    """What a push left on the Hub: the repo, its head commit, and whether this push made that commit."""

    repo_id: str
    repo_url: str
    commit_url: str
    commit_oid: str
    new_commit: bool


def check_token(token: str | None) -> str:
    """The token without surrounding whitespace; ValueError when there is none."""
    cleaned = (token or "").strip()
    if not cleaned:
        raise ValueError("no Hub token: set HF_TOKEN to a token with write access to push an export")
    return cleaned


def check_repo_id(repo_id: str | None) -> str:
    """A dataset repo id `namespace/name`; ValueError naming what is wrong with another."""
    cleaned = (repo_id or "").strip()
    if cleaned.count("/") != 1:
        raise ValueError(f"the export repo id must be 'namespace/name' (DYNOSAUR_EXPORT_REPO), got {cleaned!r}")
    try:
        validate_repo_id(cleaned)
    except HFValidationError as error:
        raise ValueError(f"the export repo id {cleaned!r} is not a valid Hub repo id: {error}") from None
    return cleaned


def check_folder(folder: Path) -> Path:
    """An existing folder holding at least one file; ValueError otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"the export folder {folder} does not exist or is not a folder")
    if not any(path.is_file() for path in folder.rglob("*")):
        raise ValueError(f"the export folder {folder} holds no file")
    return folder


def push_export(
    folder: Path, repo_id: str, token: str | None, endpoint: str | None = None, private: bool = True,
    commit_message: str = DEFAULT_COMMIT_MESSAGE, mirror: bool = True,
) -> HubPush:
    """Push every file of `folder` to the root of the dataset repo `repo_id`, created (private by
    default; an existing repo keeps its visibility) when missing. With `mirror`, repo files the folder
    lacks are deleted in the same commit. Raises ValueError for bad input (before any request) and
    HubPushError for what the Hub answers."""
    token, repo_id, folder = check_token(token), check_repo_id(repo_id), check_folder(folder)
    api = HfApi(endpoint=endpoint or None, token=token)
    with _hub_reachable(), _hub_errors(repo_id, api.endpoint, token):
        repo_url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        head_before = api.repo_info(repo_id, repo_type="dataset").sha
        commit = api.upload_folder(
            repo_id=repo_id, repo_type="dataset", folder_path=folder, commit_message=commit_message,
            delete_patterns="*" if mirror else None,
        )
    return HubPush(repo_id=repo_id, repo_url=str(repo_url), commit_url=commit.commit_url,
                   commit_oid=commit.oid, new_commit=commit.oid != head_before)


@contextmanager
def _hub_reachable() -> Iterator[None]:
    """huggingface_hub online for the block (its offline switch is read on every request)."""
    with _PUSH_LOCK:
        offline = constants.HF_HUB_OFFLINE
        constants.HF_HUB_OFFLINE = False
        try:
            yield
        finally:
            constants.HF_HUB_OFFLINE = offline


@contextmanager
def _hub_errors(repo_id: str, endpoint: str, token: str) -> Iterator[None]:
    """Any failure of the block as a HubPushError that names the repo and endpoint, not the token.

    Every exception is caught on purpose: its text is rewritten without the token, and it is not
    chained (`from None`), so no part of the original can carry the token into a log."""
    try:
        yield
    except HfHubHTTPError as error:
        raise HubPushError(_redact(_http_message(error, repo_id, endpoint), token)) from None
    except Exception as error:  # noqa: BLE001 (rewritten without the token, see the docstring)
        reason = f"{type(error).__name__}: {error}"
        raise HubPushError(_redact(f"pushing to dataset {repo_id} at {endpoint} failed: {reason}", token)) from None


def _http_message(error: HfHubHTTPError, repo_id: str, endpoint: str) -> str:
    status = error.response.status_code if error.response is not None else None
    server = error.server_message or str(error).splitlines()[0]
    where = f"dataset {repo_id} at {endpoint}"
    if status == 401:
        return f"the Hub at {endpoint} refused HF_TOKEN (401: {server}); check that it is a valid token"
    if status == 403:
        return f"HF_TOKEN may not write to {where} (403: {server}); it needs write access to that namespace"
    if status == 404:
        return f"{where} is not found or not visible to HF_TOKEN's user (404: {server})"
    return f"the Hub refused the push to {where} ({status}: {server})"


def _redact(text: str, token: str) -> str:
    return text.replace(token, REDACTED)
