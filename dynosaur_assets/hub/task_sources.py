"""Reading the kept configs of datasets back from the store as `TaskSource`s."""

import json
from collections.abc import Sequence

import duckdb

from dynosaur_assets.tasks import TaskSource

_SOURCES = """
SELECT dataset_id, config, task_name, features, description, coalesce(license, ''), coalesce(website, ''),
       coalesce(pretty_name, ''), task_categories
FROM hub_datasets WHERE dataset_id IN (SELECT unnest(?::VARCHAR[])) AND keep ORDER BY dataset_id, config
"""
_ROWS = """
SELECT dataset_id, config, row FROM hub_samples WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))
ORDER BY dataset_id, config, split NOT LIKE '%train%', split, row_idx
"""


def load_task_sources(conn: duckdb.DuckDBPyConnection, dataset_ids: Sequence[str]) -> dict[str, list[TaskSource]]:
    """Every kept config of each dataset with its sample rows (train splits first, then validation), by
    dataset id (an empty list for a dataset without kept configs); one query per table for them all."""
    rows: dict[tuple[str, str], list[dict]] = {}
    for dataset_id, config, row in conn.execute(_ROWS, [list(dataset_ids)]).fetchall():
        rows.setdefault((dataset_id, config), []).append(json.loads(row))
    sources: dict[str, list[TaskSource]] = {dataset_id: [] for dataset_id in dataset_ids}
    for dataset_id, config, task_name, features, description, license, website, pretty_name, categories in \
            conn.execute(_SOURCES, [list(dataset_ids)]).fetchall():
        sources[dataset_id].append(TaskSource(
            dataset_id=dataset_id,
            config=config,
            task_name=task_name,
            features=json.loads(features),
            rows=rows.get((dataset_id, config), []),
            description=description or "",
            license=license,
            website=website,
            pretty_name=pretty_name,
            task_categories=tuple(categories or ()),
        ))
    return sources
