"""Hub reads at a network's pace: the loopback Hub server (tests/servers/hf_hub_server.py) answering
each request after `--delay-ms`, serving `--copies` copies of the embedded Hub (each under new owner
names); `HubSource(hub="hf").read_datasets` reads every dataset (card, config listing, streamed
samples) at each concurrency, alternating, in one run.
Prints datasets per minute and the speed-up over one at a time (issue 14's target: >= 5x at 8).

    .venv/bin/python bench/hub_concurrency.py [--delay-ms 100] [--copies 4] [--concurrency 1 8] [--rounds 2]

The client runs in a subprocess pointed at the server (huggingface_hub and datasets read HF_ENDPOINT
when imported), with fresh caches each time, as tests/servers/hub_client.py does.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers.hf_hub_server import serve_hub  # noqa: E402
from servers.hub_client import run_hub_client  # noqa: E402

READ = """
import json, time
from dynosaur_assets.hub.source import HubSource

hub = HubSource(hub="hf", concurrency={concurrency})
ids = sorted(hub.iter_dataset_ids())
started = time.perf_counter()
kept = sum(any(not sample.failure for sample in read.samples.values()) for read in hub.read_datasets(ids))
print("RESULT " + json.dumps({{"datasets": len(ids), "seconds": time.perf_counter() - started, "sampled": kept}}))
"""


def copied_hub(root: Path, copies: int) -> Path:
    """`copies` copies of the embedded Hub's datasets in Hub layout under `root` (owner `<owner>-<k>`)."""
    embedded = ROOT / "data" / "hub"
    for card in embedded.glob("*/*/README.md"):
        owner, name = card.parent.relative_to(embedded).parts
        for k in range(copies):
            shutil.copytree(card.parent, root / f"{owner}-{k}" / name)
    return root


def read_all(hub: Path, concurrency: int, delay_s: float) -> dict:
    """One full read of the Hub through the loopback server; its figures and the server's."""
    with tempfile.TemporaryDirectory() as scratch, serve_hub(hub, return_server=True, delay_s=delay_s) as server:
        result = run_hub_client(READ.format(concurrency=concurrency), server.url, Path(scratch), DYNOSAUR_HUB="hf")
        return {**result, "requests": len(server.requests), "max_in_flight": server.max_in_flight}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    hub = copied_hub(Path(tempfile.mkdtemp(prefix="dynosaur-hub-")), args.copies)
    print(f"1-min load {os.getloadavg()[0]:.2f}; each request answered after {args.delay_ms:g} ms\n")
    print("| round | concurrency | datasets | with samples | requests | most in flight | seconds | datasets/min |")
    print("|---|---|---|---|---|---|---|---|")
    rates: dict[int, list[float]] = {c: [] for c in args.concurrency}
    for round_number in range(1, args.rounds + 1):
        for concurrency in args.concurrency:
            r = read_all(hub, concurrency, args.delay_ms / 1000)
            rate = r["datasets"] / r["seconds"] * 60
            rates[concurrency].append(rate)
            print(f"| {round_number} | {concurrency} | {r['datasets']} | {r['sampled']} | {r['requests']} "
                  f"| {r['max_in_flight']} | {r['seconds']:.1f} | {rate:.1f} |", flush=True)
    base = statistics.median(rates[args.concurrency[0]])
    for concurrency, values in rates.items():
        print(f"concurrency {concurrency}: median {statistics.median(values):.1f} datasets/min, "
              f"{statistics.median(values) / base:.2f}x concurrency {args.concurrency[0]}")
    shutil.rmtree(hub)


if __name__ == "__main__":
    main()
