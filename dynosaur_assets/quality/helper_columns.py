"""Helper columns the suites expect on: what GX cannot compute on a DataFrame itself (list columns,
array cells, cross-table facts, prices). No GX, no Dagster here.

Each suite's `meta.notes` (expectations/<table>.json) documents its helpers. A helper is null where it
cannot be computed (an input null or blank, a count negative, no field names known), and GX skips
nulls in column-map expectations, so one defect fails one expectation.

    frame = prepare_frame("instructions", df, {"hub_datasets": hub_df, "instruction_samples": samples_df})
"""

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dynosaur_assets.curate.label_space import with_label_space
from dynosaur_assets.design.pricing import PriceTable
from dynosaur_assets.embed.embedder import instruction_hash
from dynosaur_assets.hub.filters import has_media_field
from dynosaur_assets.method import LABEL_SPACE_MAX_VALUE_CHARS, LABEL_SPACE_MAX_VALUES

# Every prepared frame numbers its rows (0-based, in input order); failing rows are named by the suite's
# row key plus this number, so a row is identifiable even where its key repeats.
ROW_NUMBER = "row_number"
COST_ABS_TOLERANCE = 1e-9
COST_REL_TOLERANCE = 1e-6

ContextFrames = Mapping[str, pd.DataFrame]


def prepare_frame(table: str, df: pd.DataFrame, context_frames: ContextFrames | None = None) -> pd.DataFrame:
    """A copy of `df` with `row_number` and the helper columns of the table's suite.

    `context_frames` holds other tables' rows a helper needs: for `instructions`, `hub_datasets`
    (dataset_id, config, field_names) for `fields_known` and `instruction_samples` (dataset_id,
    task_id, output) for `outputs_within_labels`; without them those helpers are null.
    """
    frame = df.copy()
    frame[ROW_NUMBER] = pd.Series(range(len(frame)), index=frame.index, dtype="int64")
    preparer = _PREPARERS.get(table)
    if preparer is not None:
        preparer(frame, context_frames or {})
    return frame


def expected_instruction(base_instruction: str, labels: Sequence[str]) -> str:
    """docs/method.md §4: the base instruction plus the label-space suffix when the label space applies
    (1-10 labels, each at most 15 characters), else the base instruction unchanged."""
    labels = [str(label) for label in labels]
    if 0 < len(labels) <= LABEL_SPACE_MAX_VALUES and all(len(v) <= LABEL_SPACE_MAX_VALUE_CHARS for v in labels):
        return with_label_space(base_instruction, tuple(labels))
    return base_instruction


def _as_list(value: Any) -> list | None:
    """A list from a DuckDB list cell (list, tuple, numpy array) or None for a null."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else None


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> bool:
    """A non-blank text (the suites' `*_not_blank` expectations report blank ones)."""
    return _present(value) and bool(str(value).strip())


def _count(value: Any) -> bool:
    """A present, non-negative number (the suites' `*_non_negative` expectations report negative ones)."""
    return _present(value) and float(value) >= 0


def _column(frame: pd.DataFrame, name: str) -> list:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def _assign(frame: pd.DataFrame, name: str, values: list, dtype: str = "object") -> None:
    frame[name] = pd.Series(values, index=frame.index, dtype=dtype)


def _prepare_hub_datasets(frame: pd.DataFrame, context: ContextFrames) -> None:
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


def _prepare_hub_samples(frame: pd.DataFrame, context: ContextFrames) -> None:
    _assign(frame, "row_is_object", [_row_is_object(v) for v in _column(frame, "row")])


def _field_names(hub_datasets: pd.DataFrame | None) -> dict[tuple[str, str], set[str]]:
    """(dataset_id, config) -> the config's field names, from hub_datasets rows."""
    if hub_datasets is None:
        return {}
    lookup = {}
    for dataset_id, config, names in zip(hub_datasets["dataset_id"], hub_datasets["config"],
                                         hub_datasets["field_names"]):
        if (names := _as_list(names)) is not None:
            lookup[(dataset_id, config)] = set(names)
    return lookup


def _outputs(samples: pd.DataFrame | None) -> dict[tuple[str, str], set[str]] | None:
    """(dataset_id, task_id) -> the task's distinct outputs, from instruction_samples rows."""
    if samples is None:
        return None
    seen: dict[tuple[str, str], set[str]] = {}
    for dataset_id, task_id, output in zip(samples["dataset_id"], samples["task_id"], samples["output"]):
        seen.setdefault((dataset_id, task_id), set()).add(output)
    return seen


def _prepare_instructions(frame: pd.DataFrame, context: ContextFrames) -> None:
    inputs = [_as_list(v) for v in _column(frame, "input_fields")]
    outputs = [_as_list(v) for v in _column(frame, "output_field")]
    labels = [_as_list(v) for v in _column(frame, "labels")]
    _assign(frame, "fields_disjoint",
            [None if i is None or o is None else not (set(i) & set(o)) for i, o in zip(inputs, outputs)])
    _assign(frame, "output_field_count", [None if o is None else len(o) for o in outputs])
    _assign(frame, "input_field_count", [None if i is None else len(i) for i in inputs])
    _assign(frame, "label_count", [len(ls or []) for ls in labels])

    suffix = []
    for instruction, base, label_list in zip(_column(frame, "instruction"), _column(frame, "base_instruction"), labels):
        known = _text(instruction) and _text(base)
        suffix.append(instruction == expected_instruction(base, label_list or []) if known else None)
    _assign(frame, "suffix_matches_labels", suffix)

    field_names = _field_names(context.get("hub_datasets"))
    known = []
    for dataset_id, config, i, o in zip(_column(frame, "dataset_id"), _column(frame, "config"), inputs, outputs):
        names = field_names.get((dataset_id, config))
        known.append(None if names is None or i is None or o is None else set(i) | set(o) <= names)
    _assign(frame, "fields_known", known)

    seen = _outputs(context.get("instruction_samples")) or {}
    within = []
    for dataset_id, task_id, label_list in zip(_column(frame, "dataset_id"), _column(frame, "task_id"), labels):
        values = seen.get((dataset_id, task_id))
        has_space = label_list and len(label_list) <= LABEL_SPACE_MAX_VALUES
        within.append(None if not has_space or values is None else values <= {str(v) for v in label_list})
    _assign(frame, "outputs_within_labels", within)


def _embedding_stats(value: Any) -> tuple[bool | None, float, int | None]:
    """(every value finite, L2 norm, dimension) of an embedding cell; the norm is NaN unless finite."""
    if not isinstance(value, (np.ndarray, list, tuple)):
        return None, math.nan, None
    vector = np.asarray(value, dtype=np.float64).ravel()
    finite = bool(np.isfinite(vector).all())
    return finite, float(np.linalg.norm(vector)) if finite else math.nan, int(vector.size)


def _prepare_instruction_embeddings(frame: pd.DataFrame, context: ContextFrames) -> None:
    stats = [_embedding_stats(v) for v in _column(frame, "embedding")]
    _assign(frame, "embedding_finite", [s[0] for s in stats])
    _assign(frame, "embedding_norm", [s[1] for s in stats], dtype="float64")
    _assign(frame, "embedding_dim", [s[2] for s in stats])
    matches = []
    for text, digest in zip(_column(frame, "instruction"), _column(frame, "instruction_hash")):
        matches.append(instruction_hash(str(text)) == digest if _present(text) and _text(digest) else None)
    _assign(frame, "hash_matches", matches)


def _prepare_llm_calls(frame: pd.DataFrame, context: ContextFrames) -> None:
    """`cost_consistent` compares with the default prices (dynosaur_assets.design.pricing) of the row's
    mode (batch calls at half price)."""
    prompt, cached, completion = (_column(frame, c) for c in ("prompt_tokens", "cached_tokens", "completion_tokens"))
    _assign(frame, "cached_within_prompt",
            [c <= p if _count(p) and _count(c) else None for p, c in zip(prompt, cached)])
    prices = PriceTable()
    consistent = []
    modes = _column(frame, "mode") if "mode" in frame.columns else [None] * len(frame)
    for model, p, c, o, cost, mode in zip(_column(frame, "model"), prompt, cached, completion,
                                          _column(frame, "cost_usd"), modes):
        if not (_text(model) and all(_count(v) for v in (p, c, o, cost))):
            consistent.append(None)
            continue
        expected = prices.call_cost(str(model), int(p), int(c), int(o), "batch" if mode == "batch" else "sync")
        consistent.append(abs(float(cost) - expected) <= COST_ABS_TOLERANCE + COST_REL_TOLERANCE * abs(expected))
    _assign(frame, "cost_consistent", consistent)


_PREPARERS: dict[str, Callable[[pd.DataFrame, ContextFrames], None]] = {
    "hub_datasets": _prepare_hub_datasets,
    "hub_samples": _prepare_hub_samples,
    "instructions": _prepare_instructions,
    "instruction_embeddings": _prepare_instruction_embeddings,
    "llm_calls": _prepare_llm_calls,
}
