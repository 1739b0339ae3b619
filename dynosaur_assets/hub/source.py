"""The Hub source: one resource, a local Hub directory or the real Hub, giving the same records."""

import datetime
import hashlib
import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from dynosaur_assets.hub.cards import DatasetCard, listing_card, parse_card, split_card
from dynosaur_assets.hub.filters import card_drop_reason
from dynosaur_assets.hub.ids import invalid_dataset_id_reason
from dynosaur_assets.hub.listing import LISTING_FIELDS, ListedDataset, listed_from_json
from dynosaur_assets.hub.records import dataset_records
from dynosaur_assets.hub.sampling import ConfigSample, sample_configs
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.method import CONFIG_TIME_BUDGET_S
from dynosaur_assets.paths import project_path
from dynosaur_assets.store import apply_schema, replace_partition
from dynosaur_assets.tasks import TaskSource


@dataclass
class DatasetRead:
    """A dataset as read from a Hub: its card, its configs and their samples."""

    dataset_id: str
    card: DatasetCard
    configs: list[str]
    samples: dict[str, ConfigSample]
    sha: str | None = None


class LocalHub:
    """A directory in Hub layout: `<owner>/<name>/README.md` (or `<name>/README.md`) plus data files."""

    def __init__(self, root: Path):
        if not root.is_dir():
            raise FileNotFoundError(f"local Hub directory {root} does not exist (set DYNOSAUR_HUB_DIR)")
        self.root = root

    def iter_dataset_ids(self) -> Iterator[str]:
        """Every repository folder holding a README.md, at depth 1 or 2, sorted by id."""
        cards = itertools.chain(self.root.glob("*/README.md"), self.root.glob("*/*/README.md"))
        return iter(sorted(card.parent.relative_to(self.root).as_posix() for card in cards))

    def card(self, dataset_id: str) -> tuple[str, str]:
        """The README.md of one repository (empty when it has none) and the repository's `sha`."""
        return self.card_text(dataset_id), self.sha(dataset_id)

    def card_text(self, dataset_id: str) -> str:
        """The README.md of one repository, empty when it has none (ValueError when it is not UTF-8 or the
        repository lies outside the Hub directory, FileNotFoundError when the repository is gone)."""
        folder = self.repo_dir(dataset_id)
        if not folder.is_dir():
            raise FileNotFoundError(f"{dataset_id}: no such repository in the local Hub (deleted since listed?)")
        return _readme(folder)

    def repo_dir(self, dataset_id: str) -> Path:
        """The folder of a repository; ValueError when the id is no Hub id or the folder, or a file in it,
        resolves outside the Hub directory (a symbolic link): nothing is read from outside."""
        if reason := invalid_dataset_id_reason(dataset_id):
            raise ValueError(f"dataset id {dataset_id[:200]!r}: {reason}")
        folder = self.root / dataset_id
        if self._escapes(folder):
            raise ValueError(f"{dataset_id}: the repository folder or a file in it lies outside the Hub directory")
        return folder

    def _escapes(self, folder: Path) -> bool:
        """Whether the folder, or any file in it, resolves outside the Hub directory (the folder is checked
        first, so a link to `/` is not walked)."""
        root = self.root.resolve()
        if not folder.resolve().is_relative_to(root):
            return True
        return any(not path.resolve().is_relative_to(root) for path in folder.rglob("*"))

    def sha(self, dataset_id: str) -> str:
        """A stand-in for the commit: a hash of the repository's file names, sizes and modification times."""
        return _files_sha(dataset_id, self._files(dataset_id))

    def iter_listing(self, filters: list[str]) -> Iterator[ListedDataset]:
        """Every repository as the Hub lists it, last modified first: dates from file modification times,
        the card's YAML metadata. `filters` (Hub tags) are the real Hub's: a local Hub has no tags."""
        if filters:
            raise ValueError("DYNOSAUR_HUB_FILTER applies to the real Hub's listing only (DYNOSAUR_HUB=hf)")
        listed = [self._listed(dataset_id) for dataset_id in self.iter_dataset_ids()]
        return iter(sorted(listed, key=lambda item: (-item.last_modified.timestamp(), item.dataset_id)))

    def _files(self, dataset_id: str) -> list[tuple[str, os.stat_result]]:
        """The repository's files (Hub-relative path, stat), sorted: one walk of its folder."""
        folder = self.root / dataset_id
        return sorted((path.relative_to(self.root).as_posix(), path.stat()) for path in folder.rglob("*")
                      if path.is_file())

    def _listed(self, dataset_id: str) -> ListedDataset:
        """One repository as listed; its card unreadable (not UTF-8, or outside the Hub directory)
        gives empty metadata and the error: `unreadable_card` (or `invalid_id` first)."""
        folder = self.root / dataset_id  # found under the root: its card is listed even when the id is invalid
        escapes = self._escapes(folder)
        files = [] if escapes else self._files(dataset_id)
        times = [folder.stat().st_mtime, *(stat.st_mtime for _, stat in files)]
        try:
            if escapes:
                raise ValueError(f"{dataset_id}: the repository folder or a file in it lies outside the Hub directory")
            meta, _, error = split_card(_readme(folder))
        except ValueError as unreadable:
            meta, error = {}, str(unreadable)[:300]
        return ListedDataset(
            dataset_id,
            created_at=datetime.datetime.fromtimestamp(min(times), datetime.UTC),
            last_modified=datetime.datetime.fromtimestamp(max(times), datetime.UTC),
            sha=_files_sha(dataset_id, files), card_data=meta, card_error=error)

    def data_path(self, dataset_id: str) -> str:
        """What `datasets.load_dataset` gets as its path."""
        return str(self.root / dataset_id)


class RealHub:
    """huggingface.co (or the server `HF_ENDPOINT` names): newest-first listing, cards, streaming."""

    def __init__(self, token: str | None = None):
        from huggingface_hub import HfApi

        self.token = token or None
        self.api = HfApi(token=self.token)

    def iter_dataset_ids(self) -> Iterator[str]:
        """Dataset ids, newest first, fetched page by page as the caller consumes them."""
        return (info.id for info in self.api.list_datasets(sort="created_at"))

    def iter_listing(self, filters: list[str]) -> Iterator[ListedDataset]:
        """The Hub's listing, last modified first, with each dataset's dates, commit, popularity and card
        metadata, narrowed by the Hub's own tag filters; fetched page by page as consumed. The request
        `list_datasets(sort="last_modified", expand=LISTING_FIELDS, filter=...)` makes, through
        huggingface_hub's own paginator (Link headers, its retries), read as plain JSON: `list_datasets`
        builds a `DatasetInfo` per dataset (dates parsed, card data deep-copied), most of a long listing's time
        in a profile."""
        from huggingface_hub.utils import build_hf_headers, paginate

        params = {"sort": "lastModified", "expand": LISTING_FIELDS, **({"filter": filters} if filters else {})}
        headers = build_hf_headers(token=self.token)
        return (listed_from_json(info) for info in paginate(f"{self.api.endpoint}/api/datasets", params, headers))

    def card(self, dataset_id: str) -> tuple[str, str | None]:
        """The dataset's README.md (empty when the repository has none) and the commit it was read at
        (huggingface_hub keeps a downloaded file under `snapshots/<commit>/`)."""
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        try:
            path = Path(hf_hub_download(dataset_id, "README.md", repo_type="dataset", token=self.token))
        except EntryNotFoundError:
            return "", None
        return path.read_text(encoding="utf-8"), path.parent.name

    def data_path(self, dataset_id: str) -> str:
        """What `datasets.load_dataset` gets as its path."""
        return dataset_id


class HubSource(dg.ConfigurableResource):
    """Where datasets come from: `local` (a Hub-layout directory) or `hf` (the real Hub).

    The real Hub honours huggingface_hub's own `HF_ENDPOINT`; the token is only passed to the client.
    """

    hub: str = Field(default="local", description="local or hf")
    hub_dir: str = Field(default="data/hub", description="the local Hub directory")
    hf_token: str | None = Field(default=None, description="optional Hub token (never logged)")
    config_time_budget_s: float = Field(default=CONFIG_TIME_BUDGET_S)
    concurrency: int = Field(default=8, description="datasets read at once (Hub reads wait on the network)")
    order: str = Field(default="created", description="which candidates become partitions first: created, "
                       "downloads or likes (newest / most downloaded / most liked first)")
    max_new: int = Field(default=500, description="the most datasets a sensor tick or `make run` adds")
    listing_filter: str = Field(default="", description="Hub tags the listing must carry, comma-separated "
                                "(e.g. language:en; the real Hub only)")
    listing_interval_s: int = Field(default=600, description="the sensor lists the Hub again after this long")

    def client(self) -> LocalHub | RealHub:
        """The implementation this resource is configured for."""
        if self.hub == "local":
            return LocalHub(project_path(self.hub_dir))
        if self.hub == "hf":
            return RealHub(self.hf_token)
        raise ValueError(f"DYNOSAUR_HUB must be 'local' or 'hf', got {self.hub!r}")

    def iter_dataset_ids(self) -> Iterator[str]:
        """Dataset ids on the Hub (newest first on the real Hub, by id locally)."""
        return self.client().iter_dataset_ids()

    def iter_listing(self) -> Iterator[ListedDataset]:
        """The Hub's listing, last modified first (see `hub_listing`)."""
        filters = [tag.strip() for tag in self.listing_filter.split(",") if tag.strip()]
        return self.client().iter_listing(filters)

    def read_dataset(self, dataset_id: str) -> DatasetRead:
        """Read one dataset's card, then list and sample its configs unless the card already drops it
        (a dropped card's configs are the ones it declares, else `default`: the Hub is not asked)."""
        client = self.client()
        try:
            text, sha = client.card(dataset_id)
        except Exception as error:  # noqa: BLE001 - deleted since listed, not UTF-8, a Hub error: unreadable_card
            text, sha = "", None
            card = listing_card({}, f"{type(error).__name__}: {error}"[:500])
        else:
            card = parse_card(text)
        if card_drop_reason(card):
            return DatasetRead(dataset_id, card, card.configs or ["default"], {}, sha)
        if card.unsafe_data_files:
            failed = {config: ConfigSample(config, failure="load_error", error=card.unsafe_data_files)
                      for config in card.configs}
            return DatasetRead(dataset_id, card, card.configs, failed, sha)
        path = client.data_path(dataset_id)
        configs = card.configs or _config_names(path, self.hf_token) or ["default"]
        samples = sample_configs(path, configs, self.config_time_budget_s, self.hf_token)
        return DatasetRead(dataset_id, card, configs, samples, sha)

    def read_datasets(self, dataset_ids: Iterable[str]) -> Iterator[DatasetRead]:
        """`read_dataset` of each id, in the given order, `concurrency` at a time in threads (each keeps
        its per-config time budget and retry); at most twice `concurrency` reads wait to be consumed."""
        ids = iter(dataset_ids)
        workers = max(1, self.concurrency)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hub-read") as pool:
            window: deque[Future[DatasetRead]] = deque(
                pool.submit(self.read_dataset, dataset_id) for dataset_id in itertools.islice(ids, 2 * workers))
            while window:
                read = window.popleft().result()
                following = next(ids, None)
                if following is not None:
                    window.append(pool.submit(self.read_dataset, following))
                yield read

    @property
    def source_name(self) -> str:
        return "hf" if self.hub == "hf" else "local"


def _readme(folder: Path) -> str:
    """A repository folder's README.md, empty when it has none (UnicodeDecodeError, a ValueError, when it
    is not UTF-8)."""
    card = folder / "README.md"
    return card.read_bytes().decode("utf-8") if card.exists() else ""


def _files_sha(dataset_id: str, files: list[tuple[str, os.stat_result]]) -> str:
    digest = hashlib.sha1(dataset_id.encode())
    for path, stat in files:
        digest.update(f"\n{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _config_names(path: str, token: str | None) -> list[str]:
    """Configs `datasets` finds for a repo whose card declares none (empty when it cannot read it)."""
    from datasets import get_dataset_config_names

    try:
        return list(get_dataset_config_names(path, token=token))
    except Exception:  # noqa: BLE001 - an unreadable repo becomes a load_error row, not a crash
        return []


def local_hub_sources(hub_dir: Path) -> list[TaskSource]:
    """Every kept config of a local Hub directory as the pipeline's `task_designs` sees it: read by
    `HubSource`, stored in an in-memory DuckDB with the project's schema, loaded back (benchmarks, tests)."""
    hub = HubSource(hub="local", hub_dir=str(hub_dir))
    sources: list[TaskSource] = []
    with duckdb.connect() as conn:
        apply_schema(conn)
        for dataset_id in hub.iter_dataset_ids():
            read = hub.read_dataset(dataset_id)
            datasets, samples = dataset_records(dataset_id, read.card, read.configs, read.samples, hub.source_name)
            replace_partition(conn, dataset_id, {"hub_datasets": datasets, "hub_samples": samples})
            sources += load_task_sources(conn, [dataset_id])[dataset_id]
    return sources
