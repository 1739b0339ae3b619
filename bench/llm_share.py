"""The share of a design run spent outside LLM calls, with the loopback LLM (tests/servers/openai_server.py,
its own process) answering after 200 ms (issue 14's target: <= 5%).

    .venv/bin/python bench/llm_share.py [--n 100] [--concurrency 32] [--delay 0.2]

Input: a synthetic Hub of N datasets (bench/synthetic_hub.py), ingested into a fresh lake (not timed).
Then one run of `task_designs` over the N partitions (the LLM designer, `DYNOSAUR_LLM_CONCURRENCY`
C), on a fresh lake each time so nothing is answered from `llm_calls`.

Definition. W is the run's wall time (Dagster's run start to end, from its run stats: step start-up,
reading the samples, building prompts, the calls, storing each response in `llm_calls`, parsing,
writing `task_designs`). K is the number of requests the server answered. F = ceil(K / C) x delay is
the least time K calls answered after `delay` can take, C at a time: the LLM's share that no client
can avoid. Everything else is outside the LLM calls: share outside = (W - F) / W. This charges the
run with every shortfall from a perfectly fed LLM, including requests not kept in flight.
Cross-check, measured in the same command: W0, the same run against the same server answering at
once; W0 / W is the share an infinitely fast LLM would leave.
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from llm_concurrency import server_process  # noqa: E402
from scale_backfill import configure, register_every_dataset  # noqa: E402
from synthetic_hub import write_synthetic_hub  # noqa: E402


def requests_answered(base_url: str, reset: bool = False) -> int:
    with urllib.request.urlopen(f"{base_url}/stats{'?reset=1' if reset else ''}", timeout=10) as response:
        return json.loads(response.read())["request_count"]


def design_run(work: Path, hub: Path, base_url: str, concurrency: int) -> dict:
    """Ingest the Hub into a fresh lake under `work` (untimed), then one timed `task_designs` run."""
    configure(work)
    os.environ.update({"DYNOSAUR_HUB_DIR": str(hub), "DYNOSAUR_DESIGNER": "openai", "OPENAI_BASE_URL": base_url,
                       "OPENAI_API_KEY": "bench", "DYNOSAUR_LLM_CONCURRENCY": str(concurrency)})
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.design.assets import design_run_config, task_designs
    from dynosaur_assets.hub.assets import hub_ingestion
    from dynosaur_assets.jobs import partition_range_tags

    with dg.DagsterInstance.get() as instance:
        ids = register_every_dataset(instance)
        tags = partition_range_tags(ids[0], ids[-1])
        assert dg.materialize([hub_ingestion], instance=instance, resources=defs.resources, tags=tags).success
        requests_answered(base_url, reset=True)
        result = dg.materialize([task_designs], instance=instance, resources=defs.resources, tags=tags,
                                run_config=design_run_config())
        assert result.success
        stats = instance.get_run_stats(result.run_id)
        [step] = instance.get_run_step_stats(result.run_id)
    return {"datasets": len(ids), "wall": stats.end_time - stats.start_time, "step": step.end_time - step.start_time,
            "requests": requests_answered(base_url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dynosaur-llm-share-"))
    hub = scratch / "hub"
    write_synthetic_hub(args.n, hub, args.seed)
    load = os.getloadavg()[0]
    runs = {}
    for delay in (args.delay, 0.0):
        with server_process(delay) as base_url:
            runs[delay] = design_run(scratch / f"delay-{delay}", hub, base_url, args.concurrency)
    slow, fast = runs[args.delay], runs[0.0]
    floor = math.ceil(slow["requests"] / args.concurrency) * args.delay
    print(f"1-min load {load:.2f} before, {os.getloadavg()[0]:.2f} after; {slow['datasets']} datasets, "
          f"concurrency {args.concurrency}\n")
    print("| LLM answers after | requests | run wall W (s) | task_designs step (s) |\n|---|---|---|---|")
    for delay, r in runs.items():
        print(f"| {delay * 1000:.0f} ms | {r['requests']} | {r['wall']:.2f} | {r['step']:.2f} |")
    print(f"\nLLM floor F = ceil({slow['requests']} / {args.concurrency}) x {args.delay:g} s = {floor:.2f} s")
    print(f"share outside LLM calls (W - F) / W = {(slow['wall'] - floor) / slow['wall']:.1%} (target <= 5%)")
    print(f"cross-check W0 / W (an instant LLM) = {fast['wall'] / slow['wall']:.1%}")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
