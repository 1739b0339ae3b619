"""When Dagster materializes what, by itself: the automation conditions of the assets and the sensor
that evaluates them, so that a run launched from `make run`, a UI backfill or a sensor leaves the same
tables."""

import dagster as dg


def after_designs() -> dg.AutomationCondition:
    """Curation and embeddings of a dataset follow its designs: Dagster's `eager` (any dependency updated
    by a run that did not also target this asset), and also once after a run that targeted this asset
    failed while its dependencies are all there (a budget stop materializes the designs of the datasets
    whose prompts were all answered, then fails the run: their curation follows).

    One evaluation after the trigger, not at it, and never while a run or backfill that targets the
    dataset is in progress. Dagster tells a dependency's update by a run that also targeted this asset
    apart for one partition only (the asset's latest materialization), and at one evaluation it may see
    a run's update of the designs and no longer see the run in progress, yet not see its update of this
    asset until the next: acting at once curated and embedded datasets a second time."""
    trigger = dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.execution_failed().newly_true()
    return (
        trigger.since_last_handled()
        & ~trigger
        & ~dg.AutomationCondition.any_deps_missing()
        & ~_any_deps_in_a_run()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("after_designs")


def _any_deps_in_a_run() -> dg.AutomationCondition:
    """A dependency is part of a run in progress. Unlike Dagster's `in_progress`, a backfill whose runs
    have ended does not count: the backfill daemon marks it done up to 30 s later, and nothing waits
    for that bookkeeping."""
    return dg.AutomationCondition.any_deps_match(dg.AutomationCondition.run_in_progress()).with_label(
        "any_deps_in_a_run")


def after_any_run(*store_wide_deps: str) -> dg.AutomationCondition:
    """The store-wide reports follow every run that updated a table they draw, once nothing they read
    is in progress; unlike `eager` they do not wait for datasets left unmaterialized (a budget stop
    leaves some until the next run), since they draw whatever the store holds. On an instance whose
    sensor first looks after the first run has ended (that look counts as handled), they are drawn
    because they are missing while everything they read is there.

    `store_wide_deps`: dependencies that follow runs by this same condition. The automation requests
    them in the same run as this asset, so their update is not a reason to run again (it was, once:
    the export ran twice after each run)."""
    updated = dg.AutomationCondition.any_deps_updated()
    if store_wide_deps:
        updated = updated.ignore(dg.AssetSelection.assets(*store_wide_deps))
    return (
        (updated.since_last_handled()
         | (dg.AutomationCondition.missing() & ~dg.AutomationCondition.any_deps_missing()))
        & ~_any_deps_in_a_run()
        & ~dg.AutomationCondition.run_in_progress()
    ).with_label("after_any_run")


def on_schedule(cron: str) -> dg.AutomationCondition:
    """Once after each tick of the cron schedule (UTC), unless already running: store maintenance,
    whose cost does not depend on how many runs came before it."""
    return (
        dg.AutomationCondition.cron_tick_passed(cron).since_last_handled()
        & ~dg.AutomationCondition.run_in_progress()
    ).with_label(f"on_schedule({cron})")


corpus_automation = dg.AutomationConditionSensorDefinition(
    "corpus_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
    description="Materializes what the assets' automation conditions ask for: the curation and embeddings "
    "of datasets whose designs landed in a run that stopped early, and the store-wide reports after runs.",
)
