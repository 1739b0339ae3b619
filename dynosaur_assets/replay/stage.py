"""The stage and the past of replay selection (docs/method.md §5.3), read from the store in DuckDB.

The *stage* is either the tasks added after a DuckLake snapshot version (present now, absent from
`instructions AT (VERSION => v)`; by default v is the last version before the first snapshot of the
latest run that wrote `instructions`, i.e. the tasks the latest run added) or an explicit list of task
ids. The *past* is every other task in `instructions` now: for a version, the tasks present at v that
are still there.
"""

import hashlib
from typing import NamedTuple

import duckdb

from dynosaur_assets.lake import LAKE
from dynosaur_assets.store import Session

TaskKey = tuple[str, str]  # (dataset_id, task_id)

# Each snapshot a run commits names its run and the rows it wrote per table (store.Session.commit_message).
_BEFORE_LATEST_RUN = f"""
WITH curated AS (
    SELECT snapshot_id, commit_extra_info::JSON->>'run_id' AS run_id
    FROM {LAKE}.snapshots()
    WHERE author = 'dynosaur' AND (commit_extra_info::JSON->'rows'->'instructions') IS NOT NULL
),
latest AS (SELECT run_id FROM curated ORDER BY snapshot_id DESC LIMIT 1)
SELECT snapshot_id FROM {LAKE}.snapshots()
WHERE snapshot_id < (SELECT min(snapshot_id) FROM curated WHERE run_id = (SELECT run_id FROM latest))
ORDER BY snapshot_id DESC LIMIT 1
"""
_ADDED_SINCE = """
SELECT dataset_id, task_id FROM instructions
ANTI JOIN (SELECT dataset_id, task_id FROM instructions AT (VERSION => $version)) USING (dataset_id, task_id)
GROUP BY ALL ORDER BY ALL
"""
_TABLE_CREATED = f"""
SELECT begin_snapshot FROM __ducklake_metadata_{LAKE}.ducklake_table
WHERE table_name = 'instructions' ORDER BY begin_snapshot LIMIT 1
"""


class Stage(NamedTuple):
    """A stage: its label (`after_v<version>` or `tasks_<hash>`), the version its tasks were added
    after (None for an explicit list), and its tasks, sorted."""

    label: str
    since_version: int | None
    tasks: list[TaskKey]


def resolve_stage(conn: duckdb.DuckDBPyConnection, version: int | None, task_ids: list[str]) -> Stage | None:
    """The stage an explicit list of task ids names, else the tasks added after `version` (None: the
    version before the latest run that wrote tasks); None when no run ever wrote tasks."""
    if task_ids:
        return listed_stage(conn, task_ids)
    if not Session.of(conn).lake:
        raise ValueError("a stage by snapshot version needs the DuckLake store (DYNOSAUR_CATALOG); "
                         "give the stage's task ids instead")
    if version is None:
        version = version_before_latest_run(conn)
        if version is None:
            return None
    return Stage(f"after_v{version}", version, tasks_added_since(conn, version))


def version_before_latest_run(conn: duckdb.DuckDBPyConnection) -> int | None:
    """The last snapshot before the latest run that wrote `instructions` (None: no run did)."""
    row = conn.execute(_BEFORE_LATEST_RUN).fetchone()
    return row[0] if row else None


def tasks_added_since(conn: duckdb.DuckDBPyConnection, version: int) -> list[TaskKey]:
    """The (dataset_id, task_id) of `instructions` now that were not there at snapshot `version`."""
    (latest,) = conn.execute(f"SELECT max(snapshot_id) FROM {LAKE}.snapshots()").fetchone()
    if not 0 <= version <= latest:
        raise ValueError(f"stage version {version} is not a version of the lake (0 to {latest})")
    created = conn.execute(_TABLE_CREATED).fetchone()
    if created is None or version < created[0]:  # the table did not exist yet: every task is new
        return [tuple(row) for row in conn.execute(
            "SELECT DISTINCT dataset_id, task_id FROM instructions ORDER BY ALL").fetchall()]
    try:
        return [tuple(row) for row in conn.execute(_ADDED_SINCE, {"version": version}).fetchall()]
    except duckdb.InvalidInputException as error:
        raise ValueError(f"stage version {version} can no longer be read ({error}); lake_checkpoint expires "
                         "versions older than DYNOSAUR_SNAPSHOT_RETENTION") from None


def listed_stage(conn: duckdb.DuckDBPyConnection, task_ids: list[str]) -> Stage:
    """The stage of these task ids (each must be in `instructions`), labelled by a hash of the list."""
    wanted = sorted(set(task_ids))
    tasks = [tuple(row) for row in conn.execute(
        "SELECT DISTINCT dataset_id, task_id FROM instructions WHERE list_contains($ids, task_id) ORDER BY ALL",
        {"ids": wanted}).fetchall()]
    unknown = sorted(set(wanted) - {task_id for _, task_id in tasks})
    if unknown:
        raise ValueError(f"stage task ids not in instructions: {', '.join(unknown)}")
    digest = hashlib.sha256(",".join(wanted).encode()).hexdigest()[:12]
    return Stage(f"tasks_{digest}", None, tasks)
