"""`make run`: register every dataset of the configured Hub as a partition, materialize every
partitioned asset for them in single runs on the persistent Dagster instance, then the store-wide
`corpus_reports` in a run of its own, then print the summary tables."""

import argparse
import logging
import os
import sys

from dynosaur_assets.paths import apply_env_defaults, project_path

apply_env_defaults()

import dagster as dg  # noqa: E402

from dynosaur_assets.definitions import defs  # noqa: E402
from dynosaur_assets.hub.growth import contiguous_segments, find_new_datasets  # noqa: E402
from dynosaur_assets.jobs import partition_range_tags  # noqa: E402
from dynosaur_assets.partitions import hub_dataset_partitions  # noqa: E402
from dynosaur_assets.quality.worker import validation_worker  # noqa: E402
from dynosaur_assets.summary import print_summary  # noqa: E402

log = logging.getLogger("dynosaur")
INFO_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def register_partitions(instance: dg.DagsterInstance) -> list[str]:
    """Add every valid dataset id of the Hub as a partition; return the Hub's valid ids."""
    hub_source = defs.resources["hub_source"].process_config_and_initialize()
    listed = list(hub_source.iter_dataset_ids())
    found = find_new_datasets(listed, set(), batch_size=len(listed) + 1)
    for dataset_id, reason in found.invalid.items():
        log.warning("skipping Hub dataset id %r: %s", dataset_id, reason)
    known = set(instance.get_dynamic_partitions(hub_dataset_partitions.name))
    instance.add_dynamic_partitions(hub_dataset_partitions.name, [i for i in found.new if i not in known])
    return found.new


def materialize(instance: dg.DagsterInstance, dataset_ids: list[str]) -> bool:
    """One in-process run per contiguous range of the datasets' partitions (usually exactly one), then
    one run of the store-wide reports over what they stored."""
    validation_worker().start()
    ok = True
    for result in run_segments(instance, "dynosaur", dataset_ids):
        ok = ok and result.success
        if not result.success:
            process_designed(instance, result)
    return draw_corpus_reports(instance).success and ok


def draw_corpus_reports(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Run the `reports` job (the unpartitioned `corpus_reports`) in process, after the partitioned runs."""
    return defs.resolve_job_def("reports").execute_in_process(
        instance=instance, run_config=INFO_LOGS, raise_on_error=False)


def run_segments(
    instance: dg.DagsterInstance, job_name: str, dataset_ids: list[str], resources: dict | None = None
) -> list[dg.ExecuteInProcessResult]:
    """Run the job in process once per contiguous range of the datasets' partitions."""
    ordered = instance.get_dynamic_partitions(hub_dataset_partitions.name)
    job = defs.resolve_job_def(job_name)
    return [
        job.execute_in_process(instance=instance, tags=partition_range_tags(first, last), run_config=INFO_LOGS,
                               resources=resources, raise_on_error=False)
        for first, last in contiguous_segments(ordered, set(dataset_ids))
    ]


def process_designed(
    instance: dg.DagsterInstance, failed: dg.ExecuteInProcessResult, resources: dict | None = None
) -> list[str]:
    """Curate and embed the datasets a failed run materialized `task_designs` for (a budget stop keeps
    and processes what was paid for); return their ids."""
    designed = sorted({
        event.partition
        for event in failed.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("task_designs") and event.partition
    })
    if not designed:
        return []
    log.info("processing %d datasets whose task designs were stored before the run stopped", len(designed))
    run_segments(instance, "curation_of_designs", designed, resources)
    return designed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with dg.DagsterInstance.get() as instance:
        dataset_ids = register_partitions(instance)
        if not dataset_ids:
            log.error("the Hub source lists no datasets: check DYNOSAUR_HUB / DYNOSAUR_HUB_DIR")
            return 1
        ok = materialize(instance, dataset_ids)
    print_summary(project_path(os.environ["DYNOSAUR_DB"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
