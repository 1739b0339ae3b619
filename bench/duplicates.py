"""Duplicates across datasets (issue 15): the share of instances `corpus_duplicates` leaves out on the
local Hubs, the time of the exact pass on ~800,000 synthetic instances, and how many published tasks
the near-duplicate test alone would drop at each similarity threshold.

    .venv/bin/python bench/duplicates.py [--instances 800000] [--skip-reference]

1. Each local Hub (bench/local_hubs.py: the embedded Hub, ../shared/hub-snapshot when present) in a
   process of its own: every dataset registered, the `dynosaur` job run once with the rule designer
   (as bench/scale_backfill.py does), then `corpus_duplicates` with its default run config.
2. Synthetic: a fresh lake holding `--instances` instances in 1,000 datasets of 8 tasks each; one
   in ten instances is one of 5,000 (instruction, input, output) triples spread over the datasets. Timed:
   the exact pass (`rewrite_duplicates` with near duplicates off), which rewrites the table too.
3. Reference (../shared/reference, tests and benchmarks only): the 5,740 published instructions
   embedded with MiniLM; tasks near-duplicate pairs alone would drop per threshold (instruction and
   output space only: the published file has no instances), each task name counted as a dataset.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from local_hubs import bench_hubs  # noqa: E402
from scale_backfill import configure, register_every_dataset  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
THRESHOLDS = (0.85, 0.9, 0.95, 0.98)


def hub_figures(hub: Path, work: Path) -> dict:
    """Run the job over every dataset of `hub`, then `corpus_duplicates`; its metadata."""
    configure(work)
    os.environ["DYNOSAUR_HUB_DIR"] = str(hub)
    import dagster as dg

    from dynosaur_assets.dedup.assets import corpus_duplicates
    from dynosaur_assets.definitions import defs
    from dynosaur_assets.jobs import partition_range_tags

    with dg.DagsterInstance.get() as instance:
        ids = register_every_dataset(instance)
        job = defs.resolve_job_def("dynosaur")
        assert job.execute_in_process(instance=instance, tags=partition_range_tags(ids[0], ids[-1])).success
        result = dg.materialize([corpus_duplicates], instance=instance, resources=defs.resources)
    metadata = result.asset_materializations_for_node("corpus_duplicates")[0].metadata
    return {key: metadata[key].value for key in ("instances", "dropped/exact_instance",
            "dropped/near_duplicate_instruction", "share_removed", "tasks", "near_duplicate_tasks", "seconds")}


SYNTHETIC = """
INSERT INTO instruction_samples
SELECT 'syn/d' || (t // 8) AS dataset_id, 'default', 'task-' || t, i,
       CASE WHEN copy THEN 'Copy this text.' ELSE 'Instruction of task ' || t || '. Answer with the right text.' END,
       CASE WHEN copy THEN 'input of copied row ' || (n % 50000) || ' ' || repeat('x', 200)
            ELSE 'input ' || n || ' ' || repeat('y', 200) END,
       CASE WHEN copy THEN 'output ' || (n % 50000) ELSE 'output ' || n END,
       'cc-by-4.0', NULL, 'syn-' || t
FROM (SELECT n, n // $per_task AS t, n % $per_task AS i, n % 10 = 0 AS copy FROM range($instances) r(n))
"""


def synthetic_figures(instances: int) -> dict:
    """The exact pass over `instances` synthetic instances in a fresh lake."""
    from dynosaur_assets.dedup.duplicates import rewrite_duplicates
    from dynosaur_assets.lake import LakeSettings
    from dynosaur_assets.store import open_lake, transaction

    with tempfile.TemporaryDirectory(prefix="dynosaur-dedup-") as tmp, \
            open_lake(LakeSettings.from_settings(f"sqlite:{tmp}/catalog.sqlite")) as conn:
        per_task = max(1, instances // 8000)
        with transaction(conn):
            conn.execute(SYNTHETIC, {"instances": instances, "per_task": per_task})
        started = time.perf_counter()
        outcome = rewrite_duplicates(conn, "none", None)
        seconds = time.perf_counter() - started
    return {"instances": outcome.instances, "dropped": outcome.dropped["exact_instance"], "seconds": seconds}


def reference_figures() -> list[tuple[float, int]]:
    """Published tasks the near-duplicate pairs alone would drop, per threshold."""
    from dynosaur_assets.dedup.near import greedy_duplicates, output_space, similar_pairs
    from dynosaur_assets.embed.resources import shared_minilm

    tasks = json.loads(REFERENCE.read_text())
    vectors = shared_minilm().embed([t["instruction"] for t in tasks])
    spaces = [output_space(_labels(t["instruction"]), t["output_field"]) for t in tasks]
    names = [t["task_name"] for t in tasks]
    return [(threshold, len(greedy_duplicates(similar_pairs(vectors, names, spaces, threshold))))
            for threshold in THRESHOLDS]


def _labels(instruction: str) -> list[str] | None:
    found = re.search(r"Answers must be one of (.*?)\.?$", instruction)
    return [v.strip() for v in found.group(1).split(", ")] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=800_000)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--hub", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hub:
        with tempfile.TemporaryDirectory(prefix="dynosaur-dedup-hub-") as work:
            print("RESULT " + json.dumps(hub_figures(args.hub, Path(work))))
        return
    print(f"1-min load {os.getloadavg()[0]:.2f}\n")
    print("| store | instances | exact_instance | near_duplicate_instruction | share removed | tasks "
          "| near-duplicate tasks | corpus_duplicates (s) |\n|---|---|---|---|---|---|---|---|")
    for name, hub in bench_hubs().items():
        done = subprocess.run([sys.executable, __file__, "--hub", str(hub)], capture_output=True, text=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"the run over {name} failed:\n{done.stderr[-3000:]}")
        r = json.loads(line[7:])
        print(f"| {name} (rules) | {r['instances']} | {r['dropped/exact_instance']} | "
              f"{r['dropped/near_duplicate_instruction']} | {r['share_removed']:.2%} | {r['tasks']} | "
              f"{r['near_duplicate_tasks']} | {r['seconds']:.2f} |")
    s = synthetic_figures(args.instances)
    print(f"\n| synthetic instances | exact duplicates left out | exact pass incl. table rewrite (s) |\n|---|---|---|\n"
          f"| {s['instances']} | {s['dropped']} | {s['seconds']:.1f} |")
    if not args.skip_reference and REFERENCE.is_file():
        print("\n| threshold | published tasks (of 5,740) near-duplicate pairs alone would drop |\n|---|---|")
        for threshold, dropped in reference_figures():
            print(f"| {threshold} | {dropped} |")


if __name__ == "__main__":
    main()
