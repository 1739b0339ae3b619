"""Today's Hub at scale: the listing run and the `new_hub_datasets` sensor's ticks over a synthetic Hub of
500,000 datasets (tests/servers/synthetic_hub_server.py, a separate process on 127.0.0.1), then the Hub
grown by 1,000 datasets. Each step runs in a fresh process with the project's definitions, as the daemon's
code server would; it prints the step's wall time and the process's peak RSS.

    .venv/bin/python bench/hub_listing_scale.py [--datasets 500000] [--grow 1000]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "servers" / "synthetic_hub_server.py"

STEP = r"""
import json, resource, sys, time
import dagster as dg
from dynosaur_assets.definitions import defs
from dynosaur_assets.hub.sensors import new_hub_datasets

step = sys.argv[1]
with dg.DagsterInstance.get() as instance:
    started = time.perf_counter()
    if step == "listing":
        result = defs.resolve_job_def("list_the_hub").execute_in_process(instance=instance)
        [event] = result.asset_materializations_for_node("hub_listing")
        out = {key: value.value for key, value in event.metadata.items() if key != "preview"}
    else:
        with dg.build_sensor_context(instance=instance, resources=defs.resources, definitions=defs) as context:
            tick = new_hub_datasets(context)
        added = tick.dynamic_partitions_requests[0].partition_keys if getattr(tick, "dynamic_partitions_requests", None) else []
        instance.add_dynamic_partitions("hub_datasets", added)  # what the daemon does with the tick's result
        out = {"added": added, "runs": len(getattr(tick, "run_requests", []) or [])}
    out["seconds"] = time.perf_counter() - started
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out, default=str))
"""


def serve(datasets: int) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, str(SERVER), "--datasets", str(datasets)], stdout=subprocess.PIPE,
                              text=True)
    banner = server.stdout.readline()
    return server, banner.split(" at ")[1].split()[0]


def step(name: str, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, name], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"step {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=500_000)
    parser.add_argument("--grow", type=int, default=1_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dynosaur-listing-"))
    (work / "home").mkdir()
    shutil.copy(ROOT / "dagster_instance.yaml", work / "home" / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(work / "home"), "DYNOSAUR_HUB": "hf", "HF_HOME": str(work / "hf"),
           "DYNOSAUR_CATALOG": f"sqlite:{work / 'catalog.sqlite'}", "HF_HUB_DISABLE_TELEMETRY": "1",
           "PYTHONPATH": str(ROOT)}
    env.pop("HF_HUB_OFFLINE", None)
    load = os.getloadavg()[0]
    rows = []
    for datasets, steps in [(args.datasets, ["listing", "tick", "tick"]), (args.datasets + args.grow, ["listing", "tick"])]:
        server, url = serve(datasets)
        try:
            for name in steps:
                rows.append((datasets, name, step(name, {**env, "HF_ENDPOINT": url})))
        finally:
            server.terminate()
            server.wait()
    print(f"Hub of {args.datasets:,} synthetic datasets, then {args.grow:,} more (load average {load:.1f} at start)\n")
    print("| Hub size | step | seconds | peak RSS (MB) | what it did |\n|---|---|---|---|---|")
    added_before: set[str] = set()
    for datasets, name, out in rows:
        if name == "listing":
            did = (f"walked {out['listed']:,}; {out['new']:,} new ({out['new_candidates']:,} candidates), "
                   f"{out['candidates_known']:,} candidates known; watermark {out['watermark']}")
        else:
            added = out["added"]
            did = (f"added {len(added)} partitions ({added[0] if added else '-'} … {added[-1] if added else '-'}; "
                   f"{len(added_before & set(added))} added before), {out['runs']} run requests")
            added_before |= set(added)
        print(f"| {datasets:,} | {name} | {out['seconds']:.1f} | {out['peak_rss_mb']:.0f} | {did} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
