"""The Hub source: one resource, a local Hub directory or the real Hub, giving the same records."""

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from dynosaur_assets.hub.cards import DatasetCard, parse_card
from dynosaur_assets.hub.filters import card_drop_reason
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

    def card_text(self, dataset_id: str) -> str:
        """The README.md of one repository, empty when it has none."""
        card = self.root / dataset_id / "README.md"
        return card.read_text(encoding="utf-8") if card.exists() else ""

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

    def card_text(self, dataset_id: str) -> str:
        """The dataset's README.md, empty when the repository has none."""
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        try:
            path = hf_hub_download(dataset_id, "README.md", repo_type="dataset", token=self.token)
        except EntryNotFoundError:
            return ""
        return Path(path).read_text(encoding="utf-8")

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

    def read_dataset(self, dataset_id: str) -> DatasetRead:
        """Read one dataset's card, then list and sample its configs unless the card already drops it
        (a dropped card's configs are the ones it declares, else `default`: the Hub is not asked)."""
        client = self.client()
        card = parse_card(client.card_text(dataset_id))
        if card_drop_reason(card):
            return DatasetRead(dataset_id, card, card.configs or ["default"], {})
        path = client.data_path(dataset_id)
        configs = card.configs or _config_names(path, self.hf_token)
        samples = sample_configs(path, configs, self.config_time_budget_s, self.hf_token)
        return DatasetRead(dataset_id, card, configs, samples)

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
