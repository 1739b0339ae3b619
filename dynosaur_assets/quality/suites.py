"""Great Expectations suites for the project's tables, run on pandas DataFrames (no Dagster here).

The suites live in `expectations/<table>.json`, in GX 1.x's own serialized form
(`ExpectationSuite.to_json_dict()`); every expectation carries `meta.name` (unique in its suite) and
`meta.severity`: `error` (blocking: a failure would poison downstream assets) or `warn`.

What GX cannot express on a DataFrame (list columns, array cells, cross-table facts, a price table) is
computed by `prepare_frame` as helper columns (`fields_disjoint`, `embedding_norm`, ...) that the suites
then expect on; each suite's `meta.notes` documents its helpers. A helper is null where it cannot be
computed (e.g. no field names known), and GX skips nulls in column-map expectations.

GX's SQL route on DuckDB returns empty results (../shared/FACTS.md), so tables are read into pandas and
validated through the pandas datasource of ONE ephemeral context per process. `great_expectations` is
imported lazily (~4.5 s, paid once per process); an empty DataFrame validates as success without it.
A run validates in a worker process (quality/worker.py), so that this import stays out of the run's.

    outcomes = validate_frame("instructions", df, {"hub_datasets": hub_df})
    rows = quality_rows(outcomes, run_id, partition)   # -> quality_results (sql/schema.sql)
    blocking = failures(outcomes, "error")
"""

from __future__ import annotations

import gc
import json
import math
import importlib
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dynosaur_assets.curate.label_space import with_label_space
from dynosaur_assets.embed.embedder import instruction_hash
from dynosaur_assets.hub.filters import has_media_field
from dynosaur_assets.method import LABEL_SPACE_MAX_VALUE_CHARS, LABEL_SPACE_MAX_VALUES
from dynosaur_assets.paths import PROJECT_ROOT

if TYPE_CHECKING:
    import great_expectations as gx

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
TABLES = (
    "hub_datasets",
    "hub_samples",
    "task_designs",
    "instructions",
    "task_rejections",
    "instruction_samples",
    "instruction_embeddings",
    "llm_calls",
)
MAX_EXAMPLES = 5
EXAMPLE_TEXT_CHARS = 200
EXAMPLE_LIST_ITEMS = 8
DATASOURCE_NAME = "dynosaur_quality"
# Every prepared frame numbers its rows (0-based, in input order); failing rows are named by the suite's
# row key plus this number, so a row whose key columns are null or duplicated is still identifiable.
ROW_NUMBER = "row_number"
COST_ABS_TOLERANCE = 1e-9
COST_REL_TOLERANCE = 1e-6

_LOCK = threading.RLock()
_BATCH_DEFINITIONS: dict[str, Any] = {}


@dataclass(frozen=True)
class ExpectationOutcome:
    """The verdict of one expectation on one frame; every field is JSON-able.

    `name` is the expectation's `meta.name` (stable, unique in its suite); `expectation` its GX type.
    `observed_value` is GX's observed value, or for column-map expectations a summary of counts, or
    `{"exception": ...}` when GX could not evaluate it. `unexpected_examples` holds up to 5 failing rows,
    each the suite's row-key columns plus the offending value(s).
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

    @property
    def blocking(self) -> bool:
        """A failed `error` expectation: the asset's data must not be used downstream."""
        return self.severity == "error" and not self.success

    def to_dict(self) -> dict:
        return {**asdict(self), "columns": list(self.columns)}


# ---------------------------------------------------------------------------------------------------
# Suites and the GX context


def warm_up(tables: Sequence[str] = TABLES) -> dict[str, float]:
    """Import Great Expectations (seconds) and build the process's GX objects (ephemeral context,
    datasource, one dataframe asset + batch definition per table, the suites); return what it cost
    (seconds: `import_s`, `setup_s`, `cpu_s`). The validation worker (quality/worker.py) calls it
    when it starts; `validate_frame` builds what it needs on first use otherwise.

    Then it freezes the garbage collector's view of the process (`gc.freeze()`): the few hundred
    thousand long-lived objects GX's import adds (modules, classes, pydantic models) would otherwise be
    re-scanned by every later full collection, and GX's validations allocate enough to trigger those
    (0.5-1 s each, measured inside check steps). Frozen objects are still freed by reference counting;
    only cyclic garbage alive at that moment is never collected.
    """
    started, cpu = time.perf_counter(), time.process_time()
    importlib.import_module("great_expectations")
    imported = time.perf_counter()
    for table in tables:
        _batch_definition(table)
        _cached_suite(table)
    gc.freeze()
    return {"import_s": imported - started, "setup_s": time.perf_counter() - imported,
            "cpu_s": time.process_time() - cpu}


def suite_path(table: str) -> Path:
    """expectations/<table>.json; a ValueError for a table without a suite."""
    if table not in TABLES:
        raise ValueError(f"no expectation suite for table {table!r}; known: {', '.join(TABLES)}")
    return EXPECTATIONS_DIR / f"{table}.json"


@lru_cache(maxsize=None)
def suite_json(table: str) -> dict:
    """The suite's serialized form as stored (read once per process; do not mutate)."""
    return json.loads(suite_path(table).read_text(encoding="utf-8"))


def get_context() -> "gx.data_context.AbstractDataContext":
    """The process's single ephemeral GX context: in-memory stores, no analytics, no progress bars."""
    with _LOCK:
        return _context()


@lru_cache(maxsize=1)
def _context():
    """Built once; callers hold _LOCK (see get_context)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def load_suite(table: str) -> "gx.ExpectationSuite":
    """A fresh `gx.ExpectationSuite` read from expectations/<table>.json.

    Raises ValueError when GX drops an expectation it cannot read (the constructor only logs those).
    """
    get_context()  # suites resolve their data context lazily; make sure the ephemeral one exists
    import great_expectations as gx

    data = suite_json(table)
    suite = gx.ExpectationSuite(**json.loads(json.dumps(data)))
    if len(suite.expectations) != len(data.get("expectations", [])):
        raise ValueError(
            f"{suite_path(table)}: GX read {len(suite.expectations)} of {len(data['expectations'])} expectations"
        )
    return suite


@lru_cache(maxsize=None)
def _cached_suite(table: str) -> "gx.ExpectationSuite":
    return load_suite(table)


def _batch_definition(table: str):
    """The pandas route of FACTS.md: one datasource, one dataframe asset and batch definition per table."""
    with _LOCK:
        if table not in _BATCH_DEFINITIONS:
            context = get_context()
            try:
                datasource = context.data_sources.get(DATASOURCE_NAME)
            except (KeyError, ValueError, LookupError):
                datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
            asset = datasource.add_dataframe_asset(name=table)
            _BATCH_DEFINITIONS[table] = asset.add_batch_definition_whole_dataframe(f"{table}_whole")
        return _BATCH_DEFINITIONS[table]


# ---------------------------------------------------------------------------------------------------
# Helper columns


def prepare_frame(table: str, df: pd.DataFrame, context_frames: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A copy of `df` with the helper columns its suite expects on (see the suite's `meta.notes`).

    `context_frames` holds what a helper needs beyond the table itself:
    - instructions: `field_names` ({(dataset_id, config): [names]}) or `hub_datasets` (a frame with
      dataset_id, config, field_names) or `hub_samples` (a frame with dataset_id, config, row) for
      `fields_known`; `instruction_samples` (a frame) for `outputs_within_labels`;
    - llm_calls: `price_table` (a `PriceTable`, a mapping of price overrides or a JSON path) for
      `cost_consistent` (default prices otherwise).
    A context-dependent helper already present in `df` is kept when its context is not given, so a frame
    prepared once can be passed to `validate_frame` again. Idempotent otherwise.
    """
    suite_path(table)
    frame = df.copy()
    frame[ROW_NUMBER] = pd.Series(range(len(frame)), index=frame.index, dtype="int64")
    context = context_frames or {}
    preparer = _PREPARERS.get(table)
    if preparer is not None and len(frame):
        preparer(frame, context)
    elif preparer is not None:
        for column in _HELPER_COLUMNS.get(table, ()):
            if column not in frame.columns:
                frame[column] = pd.Series(dtype=object)
    return frame


def _as_list(value: Any) -> list | None:
    """A list from a DuckDB list cell (list, tuple, numpy array) or None for a null."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> bool:
    """A non-blank text: helpers that compare texts are null (not checked) for null or blank ones,
    which the suites' `*_not_null` / `*_not_blank` expectations report on their own."""
    return _present(value) and bool(str(value).strip())


def _column(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def _assign(frame: pd.DataFrame, name: str, values: list, dtype: str = "object") -> None:
    frame[name] = pd.Series(values, index=frame.index, dtype=dtype)


def _prepare_hub_datasets(frame: pd.DataFrame, context: Mapping[str, Any]) -> None:
    names = [_as_list(v) for v in _column(frame, "field_names")]
    _assign(frame, "field_count", [None if n is None else len(n) for n in names])
    _assign(frame, "media_field_free", [None if n is None else not has_media_field(map(str, n)) for n in names])
    consistent = []
    for dataset_id, config, task_name in zip(
        _column(frame, "dataset_id"), _column(frame, "config"), _column(frame, "task_name")
    ):
        if not all(_text(v) for v in (dataset_id, config, task_name)):
            consistent.append(None)
        else:
            consistent.append(task_name in (dataset_id, f"{dataset_id}-{config}"))
    _assign(frame, "task_name_consistent", consistent)


def _row_is_object(value: Any) -> bool | None:
    if not _present(value):
        return None
    if isinstance(value, Mapping):
        return True
    if isinstance(value, (str, bytes)):
        try:
            return isinstance(json.loads(value), dict)
        except ValueError:
            return False
    return False


def _prepare_hub_samples(frame: pd.DataFrame, context: Mapping[str, Any]) -> None:
    _assign(frame, "row_is_object", [_row_is_object(v) for v in _column(frame, "row")])


def field_names_lookup(context: Mapping[str, Any]) -> dict[tuple[str, str], set[str]] | None:
    """(dataset_id, config) -> field names, from `field_names`, `hub_datasets` or `hub_samples`."""
    if context.get("field_names") is not None:
        lookup = {}
        for key, names in context["field_names"].items():
            as_list = _as_list(names)
            lookup[tuple(key)] = set(as_list if as_list is not None else names)
        return lookup
    hub = context.get("hub_datasets")
    if hub is not None and len(hub) and "field_names" in hub.columns:
        lookup = {}
        for dataset_id, config, names in zip(hub["dataset_id"], hub["config"], hub["field_names"]):
            names = _as_list(names)
            if names is not None:
                lookup[(dataset_id, config)] = set(names)
        return lookup
    samples = context.get("hub_samples")
    if samples is not None and len(samples):
        lookup: dict[tuple[str, str], set[str]] = {}
        for dataset_id, config, row in zip(samples["dataset_id"], samples["config"], samples["row"]):
            parsed = json.loads(row) if isinstance(row, (str, bytes)) else row
            if isinstance(parsed, Mapping):
                lookup.setdefault((dataset_id, config), set()).update(parsed)
        return lookup
    return None


def expected_instruction(base_instruction: str, labels: Sequence[str]) -> str:
    """METHOD.md §4: the base instruction plus the label-space suffix when the label space applies
    (1-10 labels, each at most 15 characters), else the base instruction unchanged."""
    labels = [str(label) for label in labels]
    if 0 < len(labels) <= LABEL_SPACE_MAX_VALUES and all(len(v) <= LABEL_SPACE_MAX_VALUE_CHARS for v in labels):
        return with_label_space(base_instruction, tuple(labels))
    return base_instruction


def _prepare_instructions(frame: pd.DataFrame, context: Mapping[str, Any]) -> None:
    inputs = [_as_list(v) for v in _column(frame, "input_fields")]
    outputs = [_as_list(v) for v in _column(frame, "output_field")]
    labels = [_as_list(v) for v in _column(frame, "labels")]
    _assign(
        frame,
        "fields_disjoint",
        [None if i is None or o is None else not (set(i) & set(o)) for i, o in zip(inputs, outputs)],
    )
    _assign(frame, "output_field_count", [None if o is None else len(o) for o in outputs])
    _assign(frame, "input_field_count", [None if i is None else len(i) for i in inputs])
    _assign(frame, "label_count", [len(ls or []) for ls in labels])

    suffix = []
    for instruction, base, label_list in zip(_column(frame, "instruction"), _column(frame, "base_instruction"), labels):
        if not (_text(instruction) and _text(base)):
            suffix.append(None)
        else:
            suffix.append(instruction == expected_instruction(base, label_list or []))
    _assign(frame, "suffix_matches_labels", suffix)

    lookup = field_names_lookup(context)
    if lookup is not None or "fields_known" not in frame.columns:
        known = []
        for dataset_id, config, i, o in zip(_column(frame, "dataset_id"), _column(frame, "config"), inputs, outputs):
            names = (lookup or {}).get((dataset_id, config))
            known.append(None if names is None or i is None or o is None else set(i) | set(o) <= names)
        _assign(frame, "fields_known", known)

    samples = context.get("instruction_samples")
    if samples is not None or "outputs_within_labels" not in frame.columns:
        seen: dict[tuple, set] = {}
        if samples is not None and len(samples):
            for dataset_id, task_id, output in zip(samples["dataset_id"], samples["task_id"], samples["output"]):
                seen.setdefault((dataset_id, task_id), set()).add(output)
        within = []
        for dataset_id, task_id, label_list in zip(_column(frame, "dataset_id"), _column(frame, "task_id"), labels):
            values = seen.get((dataset_id, task_id))
            has_space = label_list and len(label_list) <= LABEL_SPACE_MAX_VALUES
            within.append(None if not has_space or values is None else values <= {str(v) for v in label_list})
        _assign(frame, "outputs_within_labels", within)


def _embedding_stats(value: Any) -> tuple[int | None, bool | None, float]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None, math.nan
    try:
        vector = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None, False, math.nan
    finite = bool(np.isfinite(vector).all())
    return int(vector.size), finite, float(np.linalg.norm(vector)) if finite else math.nan


def _prepare_instruction_embeddings(frame: pd.DataFrame, context: Mapping[str, Any]) -> None:
    stats = [_embedding_stats(v) for v in _column(frame, "embedding")]
    _assign(frame, "embedding_dim", [s[0] for s in stats])
    _assign(frame, "embedding_finite", [s[1] for s in stats])
    _assign(frame, "embedding_norm", [s[2] for s in stats], dtype="float64")
    matches = []
    for text, digest in zip(_column(frame, "instruction"), _column(frame, "instruction_hash")):
        if not (_present(text) and _text(digest)):
            matches.append(None)
        else:
            matches.append(instruction_hash(str(text)) == digest)
    _assign(frame, "hash_matches", matches)


def _count(value: Any) -> bool:
    """A present, non-negative number: the consistency helpers skip negative counts and costs, which
    the suite's `*_non_negative` expectations report on their own."""
    return _present(value) and float(value) >= 0


def _price_table(context: Mapping[str, Any]):
    from dynosaur_assets.design.pricing import PriceTable

    table = context.get("price_table")
    if table is None:
        return PriceTable()
    return table if hasattr(table, "call_cost") else PriceTable(table)


def _prepare_llm_calls(frame: pd.DataFrame, context: Mapping[str, Any]) -> None:
    prompt, cached, completion = (_column(frame, c) for c in ("prompt_tokens", "cached_tokens", "completion_tokens"))
    _assign(
        frame,
        "cached_within_prompt",
        [c <= p if _count(p) and _count(c) else None for p, c in zip(prompt, cached)],
    )
    if "cost_consistent" in frame.columns and "price_table" not in context:
        return
    prices = _price_table(context)
    consistent = []
    for model, p, c, o, cost in zip(_column(frame, "model"), prompt, cached, completion, _column(frame, "cost_usd")):
        if not (_text(model) and all(_count(v) for v in (p, c, o, cost))):
            consistent.append(None)
            continue
        expected = prices.call_cost(str(model), int(p), int(c), int(o))
        consistent.append(abs(float(cost) - expected) <= COST_ABS_TOLERANCE + COST_REL_TOLERANCE * abs(expected))
    _assign(frame, "cost_consistent", consistent)


_PREPARERS = {
    "hub_datasets": _prepare_hub_datasets,
    "hub_samples": _prepare_hub_samples,
    "instructions": _prepare_instructions,
    "instruction_embeddings": _prepare_instruction_embeddings,
    "llm_calls": _prepare_llm_calls,
}
_HELPER_COLUMNS: dict[str, tuple[str, ...]] = {
    "hub_datasets": ("field_count", "media_field_free", "task_name_consistent"),
    "hub_samples": ("row_is_object",),
    "instructions": (
        "fields_disjoint", "fields_known", "output_field_count", "input_field_count", "label_count",
        "suffix_matches_labels", "outputs_within_labels",
    ),
    "instruction_embeddings": ("embedding_dim", "embedding_finite", "embedding_norm", "hash_matches"),
    "llm_calls": ("cached_within_prompt", "cost_consistent"),
}


# ---------------------------------------------------------------------------------------------------
# Validation


def validate_frame(
    table: str,
    df: pd.DataFrame,
    context_frames: Mapping[str, Any] | None = None,
    *,
    full: bool = False,
) -> list[ExpectationOutcome]:
    """Validate one table's rows (typically one partition) against expectations/<table>.json.

    The frame is passed through `prepare_frame` first (pass `context_frames` for the cross-table
    helpers). Outcomes come in suite order. An empty frame succeeds without importing GX.

    Two passes on one batch: the whole suite with GX's BOOLEAN_ONLY result format (about half the
    cost of SUMMARY), then only the failed expectations with SUMMARY and partial unexpected lists
    (examples named by the suite's row key and `row_number`). A successful outcome therefore has
    `unexpected_count` 0 and no observed value; `full=True` runs the whole suite with SUMMARY instead,
    so every outcome carries GX's counts.
    """
    spec = suite_json(table)
    if df is None or len(df) == 0:
        return [_outcome(table, config, True, {}) for config in spec["expectations"]]
    frame = prepare_frame(table, df, context_frames)
    row_key = [c for c in [*spec.get("meta", {}).get("row_key", []), ROW_NUMBER] if c in frame.columns]
    summary: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": MAX_EXAMPLES,
        "return_unexpected_index_query": False,
        "unexpected_index_column_names": row_key,
    }
    # only the columns the suite reads: pandas row conditions and GX's domain copies scale with width
    frame = frame[[c for c in frame.columns if c in _suite_columns(table) or c in row_key]]
    with _LOCK:
        batch = _batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
        if full:
            results = _results_by_name(batch.validate(_cached_suite(table), result_format=summary))
        else:
            results = _results_by_name(
                batch.validate(_cached_suite(table), result_format={"result_format": "BOOLEAN_ONLY"})
            )
            failed = [c for c in spec["expectations"] if not _passed(results.get(c["meta"]["name"]))]
            if failed:
                results.update(_results_by_name(batch.validate(_sub_suite(table, failed), result_format=summary)))
    outcomes = []
    for config in spec["expectations"]:
        result = results.get(config["meta"]["name"])
        exception = (result.exception_info or {}) if result is not None else {}
        if result is None:
            outcomes.append(_outcome(table, config, False, {}, {"exception": "GX returned no result"}))
        elif exception.get("raised_exception"):
            message = str(exception.get("exception_message") or "")
            outcomes.append(_outcome(table, config, False, {}, {"exception": message[:500]}))
        else:
            outcomes.append(_outcome(table, config, bool(result.success), result.result or {}, row_key=row_key))
    return outcomes


def _passed(result: Any) -> bool:
    if result is None:
        return False
    raised = (result.exception_info or {}).get("raised_exception")
    return bool(result.success) and not raised


def _results_by_name(validation: Any) -> dict[str, Any]:
    return {(r.expectation_config.meta or {}).get("name"): r for r in validation.results}


def _sub_suite(table: str, configs: list[dict]) -> "gx.ExpectationSuite":
    """A throwaway suite of some of the table's expectations (never added to the context)."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=f"{table}__failed", expectations=json.loads(json.dumps(configs)))


@lru_cache(maxsize=None)
def _suite_columns(table: str) -> frozenset[str]:
    """Every column the suite's expectations check or condition on."""
    used: set[str] = set()
    for config in suite_json(table)["expectations"]:
        kwargs = config.get("kwargs") or {}
        used.update(_columns(kwargs))
        used.update(_condition_columns(kwargs.get("row_condition")))
    return frozenset(used)


def _condition_columns(condition: Any) -> set[str]:
    """Column names inside a serialized GX Condition (comparison / and / or trees)."""
    if isinstance(condition, Mapping):
        found = set()
        column = condition.get("column")
        if isinstance(column, Mapping) and isinstance(column.get("name"), str):
            found.add(column["name"])
        for value in condition.values():
            if isinstance(value, (Mapping, list)):
                found |= _condition_columns(value)
        return found
    if isinstance(condition, list):
        return set().union(*(_condition_columns(c) for c in condition)) if condition else set()
    return set()


def _columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return tuple(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)


def _outcome(
    table: str,
    config: Mapping[str, Any],
    success: bool,
    result: Mapping[str, Any],
    observed: Any = None,
    row_key: Sequence[str] = (),
) -> ExpectationOutcome:
    meta = config.get("meta") or {}
    columns = _columns(config.get("kwargs") or {})
    if observed is None:
        if "observed_value" in result:
            observed = result["observed_value"]
        elif result:
            observed = {
                k: result[k]
                for k in ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
                if k in result
            }
    unexpected = result.get("unexpected_count")
    if unexpected is None and success:
        unexpected = 0
    elif unexpected is None and result:
        unexpected = len(result.get("partial_unexpected_list") or [])
    return ExpectationOutcome(
        suite=table,
        name=str(meta.get("name") or config["type"]),
        expectation=config["type"],
        columns=columns,
        severity=str(meta.get("severity", "error")),
        success=success,
        observed_value=jsonable(observed),
        unexpected_count=None if unexpected is None else int(unexpected),
        unexpected_examples=[] if success else _examples(result, columns, row_key),
    )


def _examples(result: Mapping[str, Any], columns: Sequence[str], row_key: Sequence[str]) -> list:
    """Up to 5 failing rows: their row-key columns and offending value(s), else the bare values."""
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
    if not examples:
        examples = [jsonable(v) for v in values[:MAX_EXAMPLES]]
    return examples


def jsonable(value: Any) -> Any:
    """JSON-safe and short: NaN -> None, numpy -> Python, long texts and lists cut."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
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


def failures(outcomes: Iterable[ExpectationOutcome], severity: str | None = None) -> list[ExpectationOutcome]:
    """The failed outcomes, optionally of one severity (`failures(o, "error")` = the blocking ones)."""
    return [o for o in outcomes if not o.success and (severity is None or o.severity == severity)]


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
