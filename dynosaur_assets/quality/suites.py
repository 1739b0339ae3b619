"""Great Expectations suites for the project's tables, validated on pandas DataFrames (no Dagster here).

The suites live in `expectations/<table>.json`, in GX 1.x's own serialized form; every expectation
carries `meta.name` (unique in its suite) and GX's own `severity`: `critical` (blocking: a failure would
poison downstream assets) or `warning`. They expect nothing sql/schema.sql already enforces on insert.

GX 1.24's SQL datasource on DuckDB returned empty results when measured here, so a table's rows are read into
pandas, given their helper columns (quality/helper_columns.py) and validated through the pandas
datasource of one ephemeral context per process. `great_expectations` is imported on the first
validation of a non-empty frame (~4.5 s, once per process); importing this module does not import it.

    outcomes = validate_frame("instructions", df, {"hub_datasets": hub_df, "instruction_samples": samples_df})
"""

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from dynosaur_assets.paths import PROJECT_ROOT
from dynosaur_assets.quality.helper_columns import ROW_NUMBER, ContextFrames, prepare_frame
from dynosaur_assets.quality.outcomes import (
    MAX_EXAMPLES,
    ExpectationOutcome,
    expectation_columns,
    expectation_outcome,
)

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
DATASOURCE_NAME = "dynosaur_quality"


@lru_cache(maxsize=None)
def suite_json(table: str) -> dict:
    """expectations/<table>.json as stored (read once per process; do not mutate)."""
    if table not in TABLES:
        raise ValueError(f"no expectation suite for table {table!r}; known: {', '.join(TABLES)}")
    return json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def load_suite(table: str) -> "gx.ExpectationSuite":
    """The table's `gx.ExpectationSuite` (built once per process). Raises ValueError when GX drops an
    expectation it cannot read (its constructor only logs those)."""
    import great_expectations as gx

    _context()  # a suite resolves its data context lazily: make sure it is the ephemeral one
    data = suite_json(table)
    suite = gx.ExpectationSuite(**json.loads(json.dumps(data)))
    if len(suite.expectations) != len(data["expectations"]):
        raise ValueError(f"expectations/{table}.json: GX read {len(suite.expectations)} of "
                         f"{len(data['expectations'])} expectations")
    return suite


@lru_cache(maxsize=1)
def _context() -> "gx.data_context.AbstractDataContext":
    """The process's ephemeral GX context: in-memory stores, no analytics, no progress bars."""
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


@lru_cache(maxsize=None)
def _batch_definition(table: str) -> Any:
    """The pandas route: one datasource, one dataframe asset and batch definition per table."""
    context = _context()
    if DATASOURCE_NAME not in context.data_sources.all():
        context.data_sources.add_pandas(DATASOURCE_NAME)
    asset = context.data_sources.get(DATASOURCE_NAME).add_dataframe_asset(name=table)
    return asset.add_batch_definition_whole_dataframe(f"{table}_whole")


@lru_cache(maxsize=None)
def suite_columns(table: str) -> frozenset[str]:
    """Every column the suite checks or conditions on (its row conditions are on one column each)."""
    used: set[str] = set()
    for config in suite_json(table)["expectations"]:
        kwargs = config["kwargs"]
        used.update(expectation_columns(kwargs))
        if condition := kwargs.get("row_condition"):
            used.add(condition["column"]["name"])
    return frozenset(used)


def validate_frame(
    table: str, df: pd.DataFrame | None, context_frames: ContextFrames | None = None
) -> list[ExpectationOutcome]:
    """Validate one table's rows against expectations/<table>.json; outcomes in suite order.

    The frame gets its helper columns first (`context_frames`: see `prepare_frame`). An empty frame
    succeeds without importing GX. Failing rows are named by the suite's `meta.row_key` and
    `row_number`.
    """
    spec = suite_json(table)
    if df is None or len(df) == 0:
        return [expectation_outcome(table, config, True, {}) for config in spec["expectations"]]
    frame = prepare_frame(table, df, context_frames)
    row_key = [*spec["meta"]["row_key"], ROW_NUMBER]
    # only the columns the suite reads: GX copies each expectation's domain, so width costs time
    frame = frame[[c for c in frame.columns if c in suite_columns(table) or c in row_key]]
    batch = _batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(load_suite(table), result_format={
        "result_format": "SUMMARY",
        "partial_unexpected_count": MAX_EXAMPLES,
        "return_unexpected_index_query": False,
        "unexpected_index_column_names": row_key,
    })
    results = {result.expectation_config.meta["name"]: result for result in validation.results}
    return [_outcome(table, config, results.get(config["meta"]["name"]), row_key) for config in spec["expectations"]]


def _outcome(table: str, config: dict, result: Any, row_key: list[str]) -> ExpectationOutcome:
    """One expectation's outcome from its GX result; a failure when GX raised or returned none."""
    if result is None:
        return expectation_outcome(table, config, False, {}, observed={"exception": "GX returned no result"})
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "")[:500]
        return expectation_outcome(table, config, False, {}, observed={"exception": message})
    return expectation_outcome(table, config, bool(result.success), result.result or {}, row_key)
