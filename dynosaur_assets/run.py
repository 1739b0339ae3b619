"""`make run`: list the Hub (`hub_listing`), register its new candidates as partitions, launch one backfill
of every partitioned asset over them (and the datasets whose commit changed) through the Dagster instance
(what a UI backfill does; the daemon runs it, queued one run at a time, and the automation sensor follows
up: reports, curation after a budget stop), wait, then print what happened and the summary tables."""

import argparse
import logging
import os
import sys
import time
from contextlib import closing

from dynosaur_assets.paths import apply_env_defaults, project_path, quiet_libraries

apply_env_defaults()
quiet_libraries()

import dagster as dg  # noqa: E402
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES as NOT_FINISHED  # noqa: E402

from dynosaur_assets.executors import ExecutorConfigError  # noqa: E402

try:
    from dynosaur_assets.definitions import defs  # noqa: E402
except ExecutorConfigError as error:  # the executor of DYNOSAUR_EXECUTOR cannot write this catalog
    print(f"configuration error: {error}", file=sys.stderr)
    sys.exit(2)
from dynosaur_assets.curate.assets import curation_run_config  # noqa: E402
from dynosaur_assets.design.assets import design_run_config  # noqa: E402
from dynosaur_assets.hub.listing import order_column  # noqa: E402
from dynosaur_assets.hub.listing_store import PartitionPlan, plan_partitions  # noqa: E402
from dynosaur_assets.jobs import hub_listing_job  # noqa: E402
from dynosaur_assets.lake import LakeConfigError, LakeSettings, settings_from_env  # noqa: E402
from dynosaur_assets.launch import Settled, dagster_daemon, launch_backfill, wait_until_settled  # noqa: E402
from dynosaur_assets.partitions import hub_dataset_partitions  # noqa: E402
from dynosaur_assets.resources import WriterBusy, take_writer_role  # noqa: E402
from dynosaur_assets.store import open_lake  # noqa: E402
from dynosaur_assets.summary import print_dry_run, print_summary  # noqa: E402

log = logging.getLogger("dynosaur")


class ConfigurationError(Exception):
    """A setting that cannot work; its message is the one line `make run` prints."""


def list_the_hub(instance: dg.DagsterInstance, lake: LakeSettings) -> PartitionPlan:
    """Run `hub_listing` in this process (a run of the instance, as the sensor's would be), then add the
    new candidates as partitions (DYNOSAUR_HUB_MAX_NEW at most, in DYNOSAUR_HUB_ORDER); return what to
    read: the new ones, those whose commit changed and partitions never read (a run that failed)."""
    try:
        hub_source = defs.resources["hub_source"].process_config_and_initialize()
        order_column(hub_source.order)
        hub_source.client()
    except (ValueError, OSError) as error:
        raise ConfigurationError(str(error)) from None
    listed = defs.resolve_job_def(hub_listing_job.name).execute_in_process(
        instance=instance, raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    if not listed.success:
        failure = next((event.event_specific_data.error.message.strip() for event in listed.all_events
                        if event.is_step_failure), "see the run in the Dagster UI")
        raise ConfigurationError(f"listing the Hub failed: {failure}")
    with closing(open_lake(lake, read_only=True)) as conn:
        if not conn.execute("SELECT count(*) FROM hub_listing").fetchone()[0]:
            raise ConfigurationError("the Hub source lists no datasets: check DYNOSAUR_HUB / DYNOSAUR_HUB_DIR")
        known = instance.get_dynamic_partitions(hub_dataset_partitions.name)
        plan = plan_partitions(conn, known, hub_source.order, hub_source.max_new)
    instance.add_dynamic_partitions(hub_dataset_partitions.name, plan.new)
    if plan.waiting:
        log.info("%d more candidates wait (DYNOSAUR_HUB_MAX_NEW=%d): the next `make run` or the sensor adds them",
                 plan.waiting, hub_source.max_new)
    return plan


def check_store(lake: LakeSettings, instance: dg.DagsterInstance) -> None:
    """Stop before launching when the store cannot take this run: a store in the old single-file layout
    not yet copied into the lake, or a SQLite catalog written by a run outside this Dagster instance
    (runs of this instance queue behind each other instead)."""
    legacy = project_path(os.environ.get("DYNOSAUR_DB") or "data/dynosaur.duckdb")
    if legacy.exists() and lake.catalog_file is not None and not lake.catalog_file.exists():
        raise ConfigurationError(f"{legacy} is a store in the old single-file layout: copy it into the lake "
                                 f"with `make migrate` (or move it away to start an empty lake)")
    try:
        held = take_writer_role(lake, "make run (checking)")
    except WriterBusy as error:
        active = {run.run_id for run in instance.get_runs(dg.RunsFilter(statuses=list(NOT_FINISHED)))}
        if not any(run_id in str(error) for run_id in active):
            raise ConfigurationError(str(error)) from None
        return
    if held is not None:
        held.close()


def report(instance: dg.DagsterInstance, settled: Settled, dry_run: bool) -> int:
    """Print how the runs ended (failures first, one line each), then the estimate or the summary."""
    for run in settled.failed:
        print(f"\nThe run {run.run_id[:8]} ({run.label}) ended {run.status}: {run.failure}")
    if not settled.runs:
        print("\nNo run finished: see the Dagster daemon's log, daemon.log in DAGSTER_HOME")
        return 1
    if dry_run:
        print_dry_run(instance, [run.run_id for run in settled.runs])
    else:
        print_summary(settings_from_env())
    if settled.failed:
        print(f"\n{len(settled.failed)} of {len(settled.runs)} runs failed (above); the tables show the store "
              "as those runs left it.")
    return 1 if settled.failed or not settled.runs else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    run_config = {"ops": design_run_config()["ops"] | curation_run_config()["ops"]}
    with dg.DagsterInstance.get() as instance:
        try:
            lake = settings_from_env()
            check_store(lake, instance)
            plan = list_the_hub(instance, lake)
        except (ConfigurationError, LakeConfigError) as error:
            print(f"configuration error: {error}", file=sys.stderr)
            return 2
        dataset_ids = sorted({*plan.new, *(dataset_id for dataset_id, _ in plan.changed), *plan.unread})
        if not dataset_ids:
            print("Nothing new or changed on the Hub since the last run.")
            print_summary(lake)
            return 0
        log.info("reading %d new datasets, %d changed, %d not read before", len(plan.new), len(plan.changed),
                 len(plan.unread))
        started = time.time()
        backfill_id = launch_backfill(instance, defs, dataset_ids, run_config)
        log.info("backfill %s: every partitioned asset for %d datasets", backfill_id, len(dataset_ids))
        with dagster_daemon(instance):
            settled = wait_until_settled(instance, started, backfill_id)
        return report(instance, settled, run_config["ops"]["task_designs"]["config"]["dry_run"])


if __name__ == "__main__":
    sys.exit(main())
