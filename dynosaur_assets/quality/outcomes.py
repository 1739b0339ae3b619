"""One expectation's verdict, shaped from a GX result, and the `quality_results` rows (no GX, no Dagster).

    outcome = expectation_outcome("instructions", config, success, result, row_key)
    rows = quality_rows(outcomes, run_id, partition)   # -> quality_results (sql/schema.sql)
"""

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

# GX's own severities -> what `quality_results.severity` holds and which check reports them.
SEVERITIES = {"critical": "error", "warning": "warn"}
MAX_EXAMPLES = 5
EXAMPLE_TEXT_CHARS = 200
EXAMPLE_LIST_ITEMS = 8


@dataclass(frozen=True)
class ExpectationOutcome:
    """The verdict of one expectation on one frame; every field is JSON-able.

    `name` is the expectation's `meta.name` (stable, unique in its suite); `expectation` its GX type;
    `severity` is `error` (GX `critical`: blocking) or `warn` (GX `warning`). `observed_value` is GX's
    observed value, or for column-map expectations a summary of counts, or `{"exception": ...}` when GX
    could not evaluate it. `unexpected_examples` holds up to 5 failing rows, each the suite's row-key
    columns plus `row_number` and the offending value(s).
    """

    suite: str
    name: str
    expectation: str
    columns: tuple[str, ...]
    severity: str
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_examples: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {**asdict(self), "columns": list(self.columns)}


def expectation_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """The column(s) an expectation checks, from its serialized kwargs."""
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return tuple(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)


def expectation_outcome(
    suite: str,
    config: Mapping[str, Any],
    success: bool,
    result: Mapping[str, Any],
    row_key: Sequence[str] = (),
    observed: Any = None,
) -> ExpectationOutcome:
    """The outcome of one serialized expectation (`config`, as in expectations/*.json) from GX's
    SUMMARY `result` dict; `observed` replaces GX's observed value (e.g. an exception)."""
    columns = expectation_columns(config.get("kwargs") or {})
    if observed is None:
        if "observed_value" in result:
            observed = result["observed_value"]
        elif result:
            observed = {k: result[k] for k in ("element_count", "unexpected_count", "unexpected_percent",
                                               "missing_count") if k in result}
    unexpected = result.get("unexpected_count")
    if unexpected is None and success:
        unexpected = 0
    elif unexpected is None and result:
        unexpected = len(result.get("partial_unexpected_list") or [])
    return ExpectationOutcome(
        suite=suite,
        name=config["meta"]["name"],
        expectation=config["type"],
        columns=columns,
        severity=SEVERITIES[config["severity"]],
        success=success,
        observed_value=jsonable(observed),
        unexpected_count=None if unexpected is None else int(unexpected),
        unexpected_examples=[] if success else _examples(result, row_key),
    )


def _examples(result: Mapping[str, Any], row_key: Sequence[str]) -> list:
    """Up to 5 failing rows: their row-key columns first, then the offending value(s); else the bare
    values."""
    indexed = result.get("partial_unexpected_index_list") or []
    values = result.get("partial_unexpected_list") or []
    examples = []
    for position, entry in enumerate(indexed[:MAX_EXAMPLES]):
        if isinstance(entry, Mapping):
            ordered = {k: entry[k] for k in row_key if k in entry}
            ordered.update({k: v for k, v in entry.items() if k not in ordered})
            examples.append(jsonable(ordered))
        else:
            value = values[position] if position < len(values) else None
            examples.append(jsonable({"index": entry, "value": value}))
    return examples or [jsonable(v) for v in values[:MAX_EXAMPLES]]


def jsonable(value: Any) -> Any:
    """JSON-safe and short: NaN -> None, numpy -> Python, long texts and lists cut."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, str):
        return value if len(value) <= EXAMPLE_TEXT_CHARS else value[:EXAMPLE_TEXT_CHARS] + "…"
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.ndarray, list, tuple, set, frozenset)):
        items = list(value.tolist() if isinstance(value, np.ndarray) else value)
        cut = [jsonable(v) for v in items[:EXAMPLE_LIST_ITEMS]]
        return cut + [f"… {len(items) - EXAMPLE_LIST_ITEMS} more"] if len(items) > EXAMPLE_LIST_ITEMS else cut
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    return jsonable(str(value))


def quality_rows(
    outcomes: Iterable[ExpectationOutcome], run_id: str, partition: str, checked_at: datetime | None = None
) -> list[dict]:
    """Rows for `quality_results` (sql/schema.sql); JSON columns are JSON text."""
    checked_at = checked_at or datetime.now(timezone.utc).replace(tzinfo=None)
    return [
        {
            "run_id": run_id,
            "partition": partition,
            "suite": o.suite,
            "expectation": o.expectation,
            "check_name": o.name,
            "columns": list(o.columns),
            "severity": o.severity,
            "success": o.success,
            "observed_value": json.dumps(o.observed_value, ensure_ascii=False),
            "unexpected_count": o.unexpected_count,
            "unexpected_examples": json.dumps(o.unexpected_examples, ensure_ascii=False),
            "checked_at": checked_at,
        }
        for o in outcomes
    ]
