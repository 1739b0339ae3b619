"""Growth with N (issue 14): a full backfill of N synthetic datasets (bench/synthetic_hub.py) with the
rule-based designer, then one new dataset at a time on that store of N, for each N given.

    .venv/bin/python bench/scale_backfill.py [--n 20 500 2000] [--new 3] [--seed 0]

Each N runs in its own process (so peak RSS is that N's), on a fresh lake (SQLite catalog) and a fresh
Dagster home holding the project's dagster_instance.yaml, in a temp dir. The code path is the
`dynosaur` job (every partitioned asset and its checks) run by `execute_in_process` on the instance
with the partition-range tags of a single-run backfill: the same steps, executor and run config as
the run `make run`'s backfill launches, without the daemon and its process start (a constant).
- backfill: `register_every_dataset` (add the Hub's N datasets as partitions) + the run over all N partitions;
  then, timed apart, `corpus_reports` (what the automation sensor follows with, store-wide).
- new dataset: write it into the Hub, add its partition, run the job for that one partition (the run
  the `new_hub_datasets` sensor requests), until the run (embeddings included) has ended; the
  sensor's listing is not included. Repeated `--new` times; the median is reported. The process is
  warm by then (imports and the embedding model loaded), so fixed costs do not hide growth.
- peak RSS: the bench process's ru_maxrss (every step runs in it), after the backfill and reports,
  and at the end.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from synthetic_hub import write_synthetic_hub  # noqa: E402

STAGES = ["ingest", "design", "curate", "embed", "checks", "other", "run"]
STEP_GROUPS = {"hub_ingestion": "ingest", "task_designs": "design", "curation": "curate",
               "instruction_embeddings": "embed"}


def configure(work: Path) -> None:
    """Environment of a fresh lake, Hub and Dagster home under `work` (before dagster is imported)."""
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    os.environ.update({"DAGSTER_HOME": str(home), "DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(work / "hub"),
                       "DYNOSAUR_CATALOG": f"sqlite:{work / 'catalog.sqlite'}", "DYNOSAUR_DESIGNER": "rules",
                       "HF_HUB_OFFLINE": "1"})


def register_every_dataset(instance) -> list[str]:
    """Add every dataset of the local Hub as a partition (card-dropped ones too, as the run before the
    Hub listing did: N partitions for N datasets); return their ids in partition order."""
    from dynosaur_assets.hub.source import HubSource
    from dynosaur_assets.partitions import hub_dataset_partitions

    ids = list(HubSource(hub="local", hub_dir=os.environ["DYNOSAUR_HUB_DIR"]).iter_dataset_ids())
    known = set(instance.get_dynamic_partitions(hub_dataset_partitions.name))
    instance.add_dynamic_partitions(hub_dataset_partitions.name, [i for i in ids if i not in known])
    return ids


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per stage of one run: the four asset steps, the checks together, and the rest of the run."""
    stats = instance.get_run_stats(run_id)
    out = {"run": stats.end_time - stats.start_time, "checks": 0.0}
    for step in instance.get_run_step_stats(run_id):
        seconds = step.end_time - step.start_time
        if step.step_key in STEP_GROUPS:
            out[STEP_GROUPS[step.step_key]] = seconds
        else:
            out["checks"] += seconds
    out["other"] = out["run"] - sum(v for k, v in out.items() if k != "run")
    return out


def measure(n: int, new: int, seed: int) -> dict:
    """Backfill N datasets, then add `new` datasets one at a time; the figures of this process."""
    work = Path(tempfile.mkdtemp(prefix=f"dynosaur-scale-{n}-"))
    configure(work)
    write_synthetic_hub(n, work / "hub", seed)
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config
    from dynosaur_assets.jobs import partition_range_tags
    from dynosaur_assets.lake import settings_from_env
    from dynosaur_assets.reports.assets import corpus_reports
    from dynosaur_assets.store import open_lake

    job, run_config = defs.resolve_job_def("dynosaur"), design_run_config()
    out: dict = {"n": n}
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        ids = register_every_dataset(instance)
        registered = time.perf_counter()
        result = job.execute_in_process(instance=instance, run_config=run_config,
                                        tags=partition_range_tags(ids[0], ids[-1]))
        assert result.success, f"backfill of {n} failed"
        done = time.perf_counter()
        out.update(register=registered - started, backfill=done - started,
                   backfill_steps=step_seconds(instance, result.run_id))
        assert dg.materialize([corpus_reports], instance=instance, resources=defs.resources).success
        out["reports"] = time.perf_counter() - done
        out["rss_backfill_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open_lake(settings_from_env(), read_only=True) as conn:
            out["instances"] = conn.execute("SELECT count(*) FROM instruction_samples").fetchone()[0]
        new_runs = []
        for k in range(new):
            [dataset_id] = write_synthetic_hub(1, work / "hub", seed, first=n + k)
            started = time.perf_counter()
            instance.add_dynamic_partitions("hub_datasets", [dataset_id])
            result = job.execute_in_process(instance=instance, run_config=run_config,
                                            tags=partition_range_tags(dataset_id, dataset_id))
            seconds = time.perf_counter() - started
            assert result.success, f"the run for {dataset_id} failed"
            assert result.asset_materializations_for_node("instruction_embeddings")
            new_runs.append({"seconds": seconds, **step_seconds(instance, result.run_id)})
        out["new"] = new_runs
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work)
    return out


def median_steps(runs: list[dict]) -> dict[str, float]:
    return {key: statistics.median(run.get(key, 0.0) for run in runs) for key in runs[0]}


def stage_rows(r: dict) -> list[str]:
    """The stage table's rows of one N: the backfill run and the median new-dataset run."""
    new = median_steps(r["new"])
    return [f"| {r['n']} | backfill | " + " | ".join(f"{r['backfill_steps'].get(s, 0.0):.2f}" for s in STAGES) + " |",
            f"| {r['n']} | new dataset (median of {len(r['new'])}) | "
            + " | ".join(f"{new.get(s, 0.0):.2f}" for s in STAGES) + " |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[20, 500, 2000])
    parser.add_argument("--new", type=int, default=3, help="new datasets added one at a time after the backfill")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(measure(args.n[0], args.new, args.seed)))
        return
    print("| N | backfill (s) | of which listing + partitions (s) | s / dataset | corpus_reports (s) "
          "| instances | peak RSS after backfill (MB) | peak RSS (MB) | new dataset, median (s) | new / new at first N |")
    print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
    results: list[dict] = []
    for n in args.n:
        load = os.getloadavg()[0]
        done = subprocess.run([sys.executable, __file__, "--one", "--n", str(n), "--new", str(args.new),
                               "--seed", str(args.seed)], capture_output=True, text=True, cwd=ROOT)
        line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"N = {n} failed:\n{done.stderr[-3000:]}")
        results.append(r := {**json.loads(line[7:]), "load": load})
        new = statistics.median(run["seconds"] for run in r["new"])
        base = statistics.median(run["seconds"] for run in results[0]["new"])
        print(f"| {r['n']} | {r['backfill']:.1f} | {r['register']:.2f} | {r['backfill'] / r['n']:.3f} "
              f"| {r['reports']:.1f} | {r['instances']} | {r['rss_backfill_mb']:.0f} | {r['rss_mb']:.0f} | {new:.2f} | {new / base:.2f}x |",
              flush=True)
        print(f"N = {n}: 1-min load {load:.2f} before, {os.getloadavg()[0]:.2f} after", *stage_rows(r),
              sep="\n", file=sys.stderr, flush=True)
    print("\nSeconds per stage (run step stats; `other`: the run's time outside steps):\n")
    print("| N | run | " + " | ".join(STAGES) + " |\n|---|---|" + "---|" * len(STAGES))
    for r in results:
        print("\n".join(stage_rows(r)))
    print(f"\nnew dataset on N = {results[-1]['n']} / on N = {results[0]['n']}: "
          f"{statistics.median(run['seconds'] for run in results[-1]['new']) / base:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
