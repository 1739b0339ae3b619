"""Launching through the Dagster instance, as the UI does: an asset backfill of every partitioned asset
over a set of datasets, executed by the Dagster daemon (queued one run at a time, dagster_instance.yaml), and a
wait until the daemon and the automation sensor have nothing left to do."""

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus, PartitionBackfill
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES
from dagster._core.utils import make_new_backfill_id

from dynosaur_assets.paths import PROJECT_ROOT

log = logging.getLogger("dynosaur")
HEARTBEAT_FRESH_S = 60.0
SETTLE_S = 60.0  # the longest wait for the automation sensor to look once more
AUTOMATION_MARGIN_S = 1.0
WATCHED = dg.AssetKey("corpus_reports")  # every asset is evaluated together; this one always exists
POLL_S = 1.0


@dataclass
class RunOutcome:
    """One finished run: its id, what it materialized, its status and, when it failed, why."""

    run_id: str
    label: str
    status: str
    seconds: float
    failure: str = ""


@dataclass
class Settled:
    """What the daemon ran for a launch, in order of creation."""

    runs: list[RunOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[RunOutcome]:
        return [run for run in self.runs if run.status != "SUCCESS"]


def launch_backfill(
    instance: dg.DagsterInstance, defs: dg.Definitions, dataset_ids: Sequence[str], run_config: Mapping | None
) -> str:
    """Add a backfill of every partitioned asset over these datasets, exactly as the UI's "Materialize"
    of a partition selection does; return its id."""
    graph = defs.resolve_asset_graph()
    partitioned = [key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def is not None]
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=make_new_backfill_id(), asset_graph=graph, partition_names=list(dataset_ids),
        asset_selection=partitioned, backfill_timestamp=time.time(), tags={"dynosaur/launched_by": "make run"},
        dynamic_partitions_store=instance, all_partitions=False, title="make run", description=None,
        run_config=run_config,
    )
    instance.add_backfill(backfill)
    return backfill.backfill_id


def daemon_running(instance: dg.DagsterInstance) -> bool:
    """Whether a Dagster daemon heartbeat for this instance is recent (e.g. `make dev` serves it)."""
    beats = instance.get_daemon_heartbeats().values()
    return any(time.time() - beat.timestamp < HEARTBEAT_FRESH_S for beat in beats)


@contextmanager
def dagster_daemon(instance: dg.DagsterInstance) -> Iterator[None]:
    """A `dagster-daemon` for the block, started with this process's environment, unless one already
    serves the instance (its own environment then applies); its output goes to daemon.log."""
    if daemon_running(instance):
        log.info("a Dagster daemon already serves %s (make dev?): it runs the backfill", instance.root_directory)
        yield
        return
    log_path = Path(instance.root_directory) / "daemon.log"
    executable = Path(sys.executable).parent / "dagster-daemon"
    with log_path.open("w") as output:
        daemon = subprocess.Popen([str(executable), "run", "-w", "workspace.yaml"], cwd=PROJECT_ROOT,
                                  env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            stop_process(daemon)


def stop_process(process: subprocess.Popen, timeout_s: float = 30) -> None:
    """Ask a child process to stop (SIGTERM); kill it if it has not stopped after `timeout_s`."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_settled(instance: dg.DagsterInstance, started_after: float, backfill_id: str) -> Settled:
    """Wait until the backfill has launched its runs (and, when one failed, the daemon has closed it),
    no run or backfill created since `started_after` is pending, and the automation sensor has looked
    at the store since; log each run as it ends."""
    reported: set[str] = set()
    settled, quiet_since = Settled(), None
    while True:
        since = datetime.fromtimestamp(started_after, tz=timezone.utc)
        runs = [record.dagster_run for record in instance.get_run_records(filters=dg.RunsFilter(created_after=since))]
        pending = [run for run in runs if run.status in NOT_FINISHED_STATUSES] or _pending_backfills(
            instance, started_after, backfill_id)
        for run in reversed(runs):
            if run.run_id not in reported and run.status not in NOT_FINISHED_STATUSES:
                reported.add(run.run_id)
                settled.runs.append(outcome := _outcome(instance, run))
                log.info("run %s (%s): %s in %.0f s%s", run.run_id[:8], outcome.label, outcome.status,
                         outcome.seconds, f": {outcome.failure}" if outcome.failure else "")
        if pending:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif _automation_looked_since(instance, quiet_since) or time.time() - quiet_since > SETTLE_S:
            return settled
        time.sleep(POLL_S)


def _automation_looked_since(instance: dg.DagsterInstance, moment: float) -> bool:
    """Whether the automation sensor evaluated the store-wide reports (it evaluates every asset at once)
    after `moment`, with a margin for the events it read to be older than its evaluation, and asked for
    nothing then (it records what it asks for before it creates the runs)."""
    storage = instance.schedule_storage
    records = storage.get_auto_materialize_asset_evaluations(WATCHED, limit=1)
    if not records or records[0].timestamp <= moment + AUTOMATION_MARGIN_S:
        return False
    with partition_loading_context(dynamic_partitions_store=instance):
        return not any(record.get_evaluation_with_run_ids().evaluation.true_subset.size
                       for record in storage.get_auto_materialize_evaluations_for_evaluation_id(
                           records[0].evaluation_id))


def _pending_backfills(instance: dg.DagsterInstance, started_after: float, backfill_id: str) -> bool:
    """A backfill still to launch runs (ours, or one the automation sensor made), or ours with a run
    that did not succeed until the daemon closes it (what follows a failure waits for that)."""
    requested = instance.get_backfills(filters=BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED]))
    for backfill in requested:
        if backfill.backfill_timestamp < started_after and backfill.backfill_id != backfill_id:
            continue
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill.backfill_id}))
        if not runs or (backfill.backfill_id == backfill_id and any(r.status != dg.DagsterRunStatus.SUCCESS
                                                                    for r in runs)):
            return True
    return False


def _outcome(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunOutcome:
    stats = instance.get_run_stats(run.run_id)
    seconds = (stats.end_time or 0) - (stats.start_time or stats.end_time or 0)
    keys = sorted(key.to_user_string() for key in run.asset_selection or [])
    partitions = run.tags.get("dagster/partition") or "..".join(
        filter(None, [run.tags.get("dagster/asset_partition_range_start"),
                      run.tags.get("dagster/asset_partition_range_end")]))
    label = f"{', '.join(keys) or run.job_name}" + (f" for {partitions}" if partitions else "")
    return RunOutcome(run.run_id, label, run.status.value, seconds, _failure(instance, run))


def _failure(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    """The first line of the first step failure (or the run failure) of a failed run."""
    if run.status == dg.DagsterRunStatus.SUCCESS:
        return ""
    for event in instance.all_logs(run.run_id, of_type={dg.DagsterEventType.STEP_FAILURE}):
        error = event.dagster_event.step_failure_data.error
        if error is not None:
            return _first_line(error.message)
    return _first_line(next((event.message for event in instance.all_logs(
        run.run_id, of_type={dg.DagsterEventType.RUN_FAILURE})), run.status.value))


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), text)
    return line.removeprefix("dagster._core.definitions.events.Failure: ")
