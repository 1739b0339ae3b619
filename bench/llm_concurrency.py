"""Concurrent LLM design calls vs a sequential loop, against the loopback chat-completions server
answering after 200 ms, measured in the same run; then the requests-per-minute cap.

    .venv/bin/python bench/llm_concurrency.py [--prompts 1000] [--sequential 100]

The sequential loop (the original's way: one call at a time) runs on a prefix of the prompts and its
per-request time is scaled to the full count, so the run stays short.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dynosaur_assets.design.llm_client import (  # noqa: E402
    ClientSettings,
    DesignClient,
    DesignRequest,
    InMemoryCallStore,
)
from servers.openai_server import serve_openai  # noqa: E402

DELAY_S = 0.2


def requests(n: int, tag: str) -> list[DesignRequest]:
    return [
        DesignRequest(f"bench/{tag}-{i}", "unaware", [{"role": "user", "content": f"Field names: [\"a\", \"b\"]\n{tag} {i}"}])
        for i in range(n)
    ]


def timed(server, batch: list[DesignRequest], **settings) -> float:
    client = DesignClient("sk-bench", InMemoryCallStore(), ClientSettings(base_url=server.base_url, **settings))
    started = time.perf_counter()
    result = client.run_sync(batch)
    assert result.requests_sent == len(batch), result.requests_sent
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--rpm", type=float, default=600)
    args = parser.parse_args()
    with serve_openai(delay_s=DELAY_S) as server:
        concurrent_s = timed(server, requests(args.prompts, "concurrent"))
        in_flight = server.max_in_flight
        sequential_s = timed(server, requests(args.sequential, "sequential"), concurrency=1)
        capped_n = 60
        capped_s = timed(server, requests(capped_n, "capped"), requests_per_minute=args.rpm)
    sequential_full = sequential_s / args.sequential * args.prompts
    print("| mode | prompts | seconds | requests/s |\n|---|---|---|---|")
    print(f"| concurrent (default 32) | {args.prompts} | {concurrent_s:.1f} | {args.prompts / concurrent_s:.1f} |")
    print(f"| sequential (measured on {args.sequential}) | {args.prompts} | {sequential_full:.1f} | "
          f"{args.prompts / sequential_full:.1f} |")
    print(f"| RPM cap {args.rpm:.0f}/min | {capped_n} | {capped_s:.1f} | {capped_n / capped_s:.1f} |")
    print(f"\nspeed-up concurrent vs sequential: {sequential_full / concurrent_s:.1f}x (target >= 30x); "
          f"max requests in flight: {in_flight}")
    print(f"RPM cap: {capped_n / capped_s * 60:.0f} requests/min observed for a cap of {args.rpm:.0f}")


if __name__ == "__main__":
    main()
