"""Reading the kept configs of one dataset back from the store as `TaskSource`s."""

import json

import duckdb

from dynosaur_assets.tasks import TaskSource

_SOURCES = """
SELECT config, task_name, features, description, coalesce(license, ''), coalesce(website, ''),
       coalesce(pretty_name, ''), task_categories
FROM hub_datasets WHERE dataset_id = ? AND keep ORDER BY config
"""
_ROWS = """
SELECT config, row FROM hub_samples WHERE dataset_id = ?
ORDER BY config, split NOT LIKE '%train%', split, row_idx
"""


def load_task_sources(conn: duckdb.DuckDBPyConnection, dataset_id: str) -> list[TaskSource]:
    """Every kept config of a dataset with its sample rows (train splits first, then validation)."""
    rows: dict[str, list[dict]] = {}
    for config, row in conn.execute(_ROWS, [dataset_id]).fetchall():
        rows.setdefault(config, []).append(json.loads(row))
    return [
        TaskSource(
            dataset_id=dataset_id,
            config=config,
            task_name=task_name,
            features=json.loads(features),
            rows=rows.get(config, []),
            description=description or "",
            license=license,
            website=website,
            pretty_name=pretty_name,
            task_categories=tuple(categories or ()),
        )
        for config, task_name, features, description, license, website, pretty_name, categories in conn.execute(
            _SOURCES, [dataset_id]
        ).fetchall()
    ]
