"""An export's filters over the corpus frame (export/read.py's columns): row filters first (licence,
task categories, designer, chosen tasks, review verdict), then the per-task limits on what is left."""

import polars as pl

from dynosaur_assets.export.options import ExportOptions
from dynosaur_assets.review.prompts import REJECTIONS

TASK_KEY = ("dataset_id", "task_id")


def apply_filters(frame: pl.DataFrame, options: ExportOptions) -> pl.DataFrame:
    """The rows an export keeps, in the frame's order."""
    kept = frame.filter(row_filter(options))
    return limit_per_task(kept, options.min_per_task, options.max_per_task)


def row_filter(options: ExportOptions) -> pl.Expr:
    """One expression for every row-level filter; an empty set keeps every row. An instance's licence is
    its own `license` (its source card's), and a source with no task category never matches a category
    filter. With `reviewed` `skip_rejected`, a task whose final `verdict` is a rejection is left out
    (not reviewed, unparsed or without a verdict: kept)."""
    conditions = [pl.lit(True)]
    if options.licenses:
        conditions.append(pl.col("license").is_in(sorted(options.licenses)))
    if options.task_categories:
        conditions.append(pl.col("task_categories").list.eval(
            pl.element().is_in(sorted(options.task_categories))).list.any())
    if options.designers:
        conditions.append(pl.col("designer").is_in(sorted(options.designers)))
    if options.task_ids is not None:
        chosen = [f"{dataset_id}\x00{task_id}" for dataset_id, task_id in options.task_ids]
        conditions.append(pl.concat_str("dataset_id", pl.lit("\x00"), "task_id").is_in(chosen))
    if options.reviewed == "skip_rejected":
        conditions.append(~pl.col("verdict").is_in(list(REJECTIONS)).fill_null(False))
    return pl.all_horizontal(conditions)


def limit_per_task(frame: pl.DataFrame, min_per_task: int, max_per_task: int) -> pl.DataFrame:
    """Drop tasks with fewer than `min_per_task` instances; with `max_per_task` > 0, keep each task's
    first n instances by instance_idx."""
    size = pl.len().over(TASK_KEY)
    kept = frame.filter(size >= min_per_task) if min_per_task > 1 else frame
    if max_per_task:
        rank = pl.col("instance_idx").rank("ordinal").over(TASK_KEY)
        kept = kept.filter(rank <= max_per_task)
    return kept
