"""The embeddings cache (docs/method.md §5: nothing already generated is regenerated), queried in DuckDB:
which of the selected datasets' instructions a model has not embedded yet."""

from typing import NamedTuple

import duckdb

_PENDING = """
WITH wanted AS (
    SELECT instruction, min(dataset_id) AS dataset_id
    FROM instructions
    WHERE list_contains($dataset_ids, dataset_id)
    GROUP BY instruction
)
SELECT wanted.instruction, wanted.dataset_id
FROM wanted
ANTI JOIN instruction_embeddings AS done
    ON done.instruction = wanted.instruction AND done.model = $model
ORDER BY wanted.instruction
"""

_DISTINCT = """
SELECT count(DISTINCT instruction) FROM instructions WHERE list_contains($dataset_ids, dataset_id)
"""


class PendingInstructions(NamedTuple):
    """The selected datasets' distinct instructions: how many, and those still to embed."""

    distinct: int
    missing: list[tuple[str, str]]


def pending_instructions(
    conn: duckdb.DuckDBPyConnection, dataset_ids: list[str], model: str
) -> PendingInstructions:
    """§5: the distinct instructions of `dataset_ids` and, as (instruction, first dataset id) pairs
    sorted by instruction, those `model` has no stored vector for (an anti-join: the stored texts
    never leave DuckDB)."""
    params = {"dataset_ids": dataset_ids}
    [(distinct,)] = conn.execute(_DISTINCT, params).fetchall()
    missing = conn.execute(_PENDING, params | {"model": model}).fetchall()
    return PendingInstructions(distinct, missing)
