"""Review asset: `task_reviews`, an automatic verdict per valid task in the paper's four categories."""

from collections import Counter
from collections.abc import Iterator

import dagster as dg

from dynosaur_assets.automation import after_designs
from dynosaur_assets.design.assets import DesignRunConfig
from dynosaur_assets.metadata import counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.review.prompts import NOT_REVIEWED, REASONABLE, REJECTIONS, UNPARSED
from dynosaur_assets.review.reviewer import TaskReviewer
from dynosaur_assets.review.reviews import ReviewRun, load_review_tasks
from dynosaur_assets.store import replace_partition

GROUP = "review"


class ReviewRunConfig(DesignRunConfig):
    """Per-run choices of the review step: the design step's, with defaults from the same variables (the
    budget applies to this step on its own)."""


@dg.asset(
    deps=["instructions", "instruction_samples"],
    partitions_def=hub_dataset_partitions,
    automation_condition=after_designs(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"duckdb", "openai"},
    output_required=False,
)
def task_reviews(
    context: dg.AssetExecutionContext, config: ReviewRunConfig, task_reviewer: TaskReviewer, duckdb: DynosaurDuckDB
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    """Ask the LLM reviewer for a verdict on each valid task, shown with its first two instances
    (`not_reviewed` without an LLM, `unparsed` when the reply holds no readable verdict); replace each
    dataset's rows. Overrides in `task_review_overrides` are never touched (the view `task_verdicts`
    applies them). A dry run estimates the requests and materializes nothing."""
    keys = list(context.partition_keys)
    with duckdb.get_connection() as conn:
        tasks = [task for group in load_review_tasks(conn, keys).values() for task in group]
        if config.dry_run:
            estimate = task_reviewer.estimate(tasks, conn, config.llm_mode)
            context.log.info(f"dry run: {estimate}")
            yield dg.AssetObservation(asset_key=context.asset_key, metadata={"dry_run/estimate": estimate})
            return
        run = task_reviewer.review(tasks, conn, context.log, budget_usd=config.budget_usd or None,
                                   concurrency=config.llm_concurrency, mode=config.llm_mode,
                                   limits=config.batch_limits())
        for dataset_id in keys:
            if dataset_id not in run.waiting:
                replace_partition(conn, dataset_id, {"task_reviews": run.rows.get(dataset_id, [])})
    if not run.waiting:
        yield dg.MaterializeResult(metadata=review_metadata(run, keys))
        return
    yield from _batch_stop(context, run, keys)


def _batch_stop(context: dg.AssetExecutionContext, run: ReviewRun,
                keys: list[str]) -> Iterator[dg.AssetMaterialization]:
    """Batch mode: materialize the datasets whose reviews were all answered, one by one, and fail naming
    the others and their batches (as the design step does)."""
    done = [key for key in keys if key not in run.waiting]
    for key in done:
        yield dg.AssetMaterialization(asset_key=context.asset_key, partition=key, metadata=review_metadata(run, [key]))
    batches = sorted({batch for ids in run.waiting.values() for batch in ids})
    reason = (f"reviews wait for OpenAI batches ({', '.join(batches)}); the llm_batches sensor ingests their "
              "replies and requests these partitions' run") if batches else "the budget was reached"
    raise dg.Failure(description=f"{reason}; left unmaterialized: {', '.join(sorted(run.waiting))}. "
                     f"Materialized: {len(done)} datasets whose reviews were all answered.")


def review_metadata(run: ReviewRun, keys: list[str]) -> dict:
    """Verdict and parse-error counts, per dataset, the LLM's counts and a preview."""
    rows = [row for key in keys for row in run.rows.get(key, [])]
    per_dataset = {key: _dataset_counts(run.rows.get(key, [])) for key in keys}
    llm = {f"llm/{name}": value for name, value in run.llm.items()}
    if "llm/cost_usd" in llm:
        llm["llm/cost_usd"] = dg.MetadataValue.float(llm["llm/cost_usd"])
    return {
        "tasks": len(rows),
        **counts_metadata("verdict", dict(Counter(r["verdict"] for r in rows).most_common())),
        **counts_metadata("parse_error", dict(run.parse_errors.most_common())),
        "unparsed": sum(run.parse_errors.values()),
        "per_dataset": datasets_table(per_dataset),
        **llm,
        "preview": dg.MetadataValue.md(markdown_table(rows, ["dataset_id", "task_id", "verdict", "reason"])),
    }


def _dataset_counts(rows: list[dict]) -> dict[str, int]:
    verdicts = Counter(r["verdict"] for r in rows)
    return {"tasks": len(rows), "reasonable": verdicts[REASONABLE], "rejected": sum(verdicts[v] for v in REJECTIONS),
            "not_reviewed": verdicts[NOT_REVIEWED], "unparsed": verdicts[UNPARSED]}
