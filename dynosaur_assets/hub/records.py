"""Turning one read dataset into `hub_datasets` and `hub_samples` rows (docs/method.md §1)."""

import datetime
import json

from dynosaur_assets.hub.cards import DatasetCard
from dynosaur_assets.hub.filters import card_drop_reason, fields_drop_reason, multilinguality
from dynosaur_assets.hub.sampling import ConfigSample


def task_name(dataset_id: str, config: str, n_configs: int) -> str:
    """§7: the dataset id alone for a single-config dataset, else `<dataset>-<config>`."""
    return dataset_id if n_configs == 1 else f"{dataset_id}-{config}"


def config_drop_reason(card: DatasetCard, sample: ConfigSample | None, features: dict) -> str | None:
    """The first §1 reason to drop this config: card rules, then fields, then loading, then rows. A config
    that failed to load with no fields known (none declared by the card) is dropped for its failure: its
    fields are unknown, not too few."""
    if sample is not None and sample.failure and not features:
        return card_drop_reason(card) or sample.failure
    reason = card_drop_reason(card) or fields_drop_reason(list(features))
    if reason or sample is None:
        return reason
    if sample.failure:
        return sample.failure
    if not any(sample.rows.values()):
        return "no_rows"
    return None


def dataset_records(
    dataset_id: str,
    card: DatasetCard,
    configs: list[str],
    samples: dict[str, ConfigSample],
    source: str,
    sha: str | None = None,
) -> tuple[list[dict], list[dict]]:
    """One `hub_datasets` row per config and the `hub_samples` rows of the kept configs (`sha`: the
    commit read)."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    dataset_rows, sample_rows = [], []
    for config in configs:
        sample = samples.get(config)
        features = (sample.features if sample else {}) or card.features.get(config, {})
        reason = config_drop_reason(card, sample, features)
        name = task_name(dataset_id, config, len(configs))
        rows = sample.rows if sample and reason is None else {}
        dataset_rows.append(
            {
                "dataset_id": dataset_id,
                "config": config,
                "task_name": name,
                "license": card.license,
                "languages": card.languages,
                "multilinguality": multilinguality(card),
                "task_categories": card.task_categories,
                "task_ids": card.task_ids,
                "pretty_name": card.pretty_name,
                "description": card.description,
                "supported_tasks": card.supported_tasks,
                "data_fields": card.data_fields,
                "features": json.dumps(features),
                "field_names": list(features),
                "splits": sorted(sample.rows) if sample else [],
                "website": card.website,
                "keep": reason is None,
                "drop_reason": reason,
                "error": (sample.error if sample else "") or card.card_error or None,
                "sample_rows": sum(len(r) for r in rows.values()),
                "source": source,
                "ingested_at": now,
                "sha": sha,
            }
        )
        sample_rows += [
            {
                "dataset_id": dataset_id,
                "config": config,
                "task_name": name,
                "split": split,
                "row_idx": idx,
                "row": json.dumps(row, ensure_ascii=False),
            }
            for split, split_rows in rows.items()
            for idx, row in enumerate(split_rows)
        ]
    return dataset_rows, sample_rows
