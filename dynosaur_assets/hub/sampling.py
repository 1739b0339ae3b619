"""Reading one dataset from a Hub: its card, its configs and their sample rows (docs/method.md §1, §7).

Local folders and the real Hub share this code path: rows are always streamed with `datasets`.
"""

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass, field

import pyarrow as pa

from dynosaur_assets.hub.rows import is_sampled_split, named_row
from dynosaur_assets.method import CONFIG_TIME_BUDGET_S, MAX_FAILED_CONFIGS, SAMPLE_ROWS_PER_SPLIT

log = logging.getLogger(__name__)


@dataclass
class ConfigSample:
    """One config's schema and sample rows per split, or why they could not be read."""

    config: str
    features: dict = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    failure: str = ""  # "", "load_error" or "timeout"
    error: str = ""


class _Stopped(Exception):
    """Raised inside a sampling thread whose time budget ran out."""


def read_config(path: str, config: str, stop: threading.Event, token: str | None = None) -> ConfigSample:
    """Stream up to 100 rows of every train / validation split of one config, ClassLabels as names."""
    import datasets

    splits = datasets.load_dataset(path, config, streaming=True, token=token)
    sample = ConfigSample(config)
    for split, stream in splits.items():
        if not is_sampled_split(split):
            continue
        raw = []
        for row in stream.take(SAMPLE_ROWS_PER_SPLIT):
            if stop.is_set():
                raise _Stopped
            raw.append(row)
        features = stream.features.to_dict() if stream.features else inferred_features(raw)
        sample.features = sample.features or features
        sample.rows[split] = [named_row(row, features) for row in raw]
    if not sample.features:
        first = next(iter(splits.values()), None)
        if first is not None and first.features:
            sample.features = first.features.to_dict()
    return sample


def inferred_features(rows: list[dict]) -> dict:
    """Features inferred from rows through Arrow, for data files without a declared schema."""
    from datasets import Features

    if not rows:
        return {}
    return Features.from_arrow_schema(pa.Table.from_pylist(rows).schema).to_dict()


def read_with_budget(
    path: str, config: str, budget_s: float = CONFIG_TIME_BUDGET_S, token: str | None = None
) -> ConfigSample:
    """`read_config` under a time budget; a failure or a timeout is recorded, never raised."""
    stop = threading.Event()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(read_config, path, config, stop, token)
    try:
        return future.result(timeout=budget_s)
    except concurrent.futures.TimeoutError:
        stop.set()
        return ConfigSample(config, failure="timeout", error=f"no rows within {budget_s:g} s")
    except Exception as error:  # noqa: BLE001 - any loader failure is a recorded drop reason
        return ConfigSample(config, failure="load_error", error=f"{type(error).__name__}: {error}"[:500])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def sample_configs(
    path: str, configs: list[str], budget_s: float = CONFIG_TIME_BUDGET_S, token: str | None = None
) -> dict[str, ConfigSample]:
    """Sample every config; failed ones are retried once after the others (§7), and a dataset whose
    first 10 configs all fail is abandoned (the rest are recorded as not tried)."""
    samples: dict[str, ConfigSample] = {}
    for config in configs:
        if len(samples) >= MAX_FAILED_CONFIGS and all(s.failure for s in samples.values()):
            samples[config] = ConfigSample(
                config, failure="load_error", error=f"abandoned: the first {MAX_FAILED_CONFIGS} configs failed"
            )
            continue
        started = time.monotonic()
        samples[config] = read_with_budget(path, config, budget_s, token)
        log.debug("sampled %s/%s in %.1f s", path, config, time.monotonic() - started)
    for config in [c for c, s in samples.items() if s.failure and not s.error.startswith("abandoned")]:
        retried = read_with_budget(path, config, budget_s, token)
        samples[config] = retried if not retried.failure else samples[config]
    return samples
