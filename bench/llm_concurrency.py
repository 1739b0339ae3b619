"""Concurrent LLM design calls vs a sequential loop, against the loopback chat-completions server
answering after 200 ms, measured in the same run; then the requests-per-minute cap.

    .venv/bin/python bench/llm_concurrency.py [--prompts 1000] [--sequential 100] [--server process|thread]
                                              [--store memory|duckdb|lake]

Both loops are the same `DesignClient` code: the concurrent one at the default concurrency (32), the
sequential one (the original's way: one call at a time) with `concurrency=1`, on a prefix of the
prompts, its per-request time scaled to the full count so the run stays short. An untimed warm-up run
comes first, so that neither timed run pays the process's one-time costs.

The server (tests/servers/openai_server.py) runs by default as a separate process on 127.0.0.1, as a
real API runs on another machine: as a thread of this process it would share the client's GIL, and
its own request handling would count as client overhead. `--server thread` runs it in-process for
comparison (the client CPU column then counts the server's CPU too). Between phases the server's
`/stats` route is read (and reset) for the request count, the most requests it held at once and the
connections they came on (keep-alive: one per concurrent slot).

Calls are stored in an `InMemoryCallStore` by default; `--store duckdb` uses the pipeline's
`DuckDBCallStore` on a fresh DuckDB file (`connect_store`: sql/schema.sql applied), committed in groups
as responses arrive (each group the responses that arrived during the previous commit); `--store lake`
the same on a fresh DuckLake (SQLite catalog, the pipeline's default), each group one snapshot.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dynosaur_assets.design.call_store import DuckDBCallStore, InMemoryCallStore  # noqa: E402
from dynosaur_assets.design.llm_client import ClientSettings, DesignClient, DesignRequest  # noqa: E402
from dynosaur_assets.lake import LakeSettings  # noqa: E402
from dynosaur_assets.store import connect_store, open_lake  # noqa: E402
from servers.openai_server import serve_openai  # noqa: E402

DELAY_S = 0.2
SERVER_SCRIPT = ROOT / "tests" / "servers" / "openai_server.py"


def requests(n: int, tag: str) -> list[DesignRequest]:
    return [
        DesignRequest(f"bench/{tag}-{i}", "unaware", [{"role": "user", "content": f"Field names: [\"a\", \"b\"]\n{tag} {i}"}])
        for i in range(n)
    ]


@contextmanager
def server_process(delay_s: float):
    """The scripted server in its own Python process; yields its base URL."""
    process = subprocess.Popen([sys.executable, str(SERVER_SCRIPT), "--delay", str(delay_s), "--stop-on-eof"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise RuntimeError(f"the server did not start: {base_url!r}")
        yield base_url
    finally:
        process.stdin.close()  # the server stops when its stdin closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait()


@contextmanager
def server_thread(delay_s: float):
    with serve_openai(delay_s=delay_s) as server:
        yield server.base_url


def server_stats(base_url: str, reset: bool = False) -> dict:
    with urllib.request.urlopen(f"{base_url}/stats{'?reset=1' if reset else ''}", timeout=10) as response:
        return json.load(response)


def timed(base_url: str, store, batch: list[DesignRequest], **settings) -> dict:
    """One run of the client over `batch`: wall and client-CPU seconds, and the server's view of it."""
    server_stats(base_url, reset=True)
    client = DesignClient("sk-bench", store, ClientSettings(base_url=base_url, **settings))
    started, cpu_started = time.perf_counter(), time.process_time()
    result = client.run_sync(batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert result.requests_sent == len(batch) == len(result.rows), (result.requests_sent, len(result.rows))
    assert all(row.error is None for row in result.rows)
    stats = server_stats(base_url)
    assert stats["request_count"] == len(batch), stats
    return {"seconds": seconds, "cpu_ms": cpu / len(batch) * 1000, **stats}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--rpm", type=float, default=600)
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument("--store", choices=("memory", "duckdb", "lake"), default="memory")
    args = parser.parse_args()
    concurrency = ClientSettings().concurrency
    load_before = os.getloadavg()[0]
    serve = server_process if args.server == "process" else server_thread
    with tempfile.TemporaryDirectory(prefix="llm-bench-") as scratch, serve(DELAY_S) as base_url:
        if args.store == "duckdb":
            conn = connect_store(Path(scratch) / "bench.duckdb")
            store = DuckDBCallStore(conn)
        elif args.store == "lake":
            store = DuckDBCallStore(open_lake(LakeSettings.from_settings(f"sqlite:{scratch}/catalog.sqlite")))
        else:
            store = InMemoryCallStore()
        # Untimed: the process's one-time costs (the SDK's lazy imports, the TLS context) are paid here,
        # not by whichever timed run comes first.
        timed(base_url, store, requests(concurrency, "warm-up"))
        concurrent = timed(base_url, store, requests(args.prompts, "concurrent"))
        sequential = timed(base_url, store, requests(args.sequential, "sequential"), concurrency=1)
        capped_n = 60
        capped = timed(base_url, store, requests(capped_n, "capped"), requests_per_minute=args.rpm)
        if args.store == "duckdb":
            conn.close()
    load_after = os.getloadavg()[0]
    concurrent_s, capped_s = concurrent["seconds"], capped["seconds"]
    sequential_full = sequential["seconds"] / args.sequential * args.prompts
    floor_s = math.ceil(args.prompts / concurrency) * DELAY_S
    print(f"server: {args.server}; store: {args.store}; "
          f"1-minute load {load_before:.2f} before, {load_after:.2f} after\n")
    print("| mode | prompts | seconds | requests/s | client CPU ms/request | max in flight | connections |\n"
          "|---|---|---|---|---|---|---|")
    print(f"| concurrent (default {concurrency}) | {args.prompts} | {concurrent_s:.2f} | "
          f"{args.prompts / concurrent_s:.1f} | {concurrent['cpu_ms']:.2f} | {concurrent['max_in_flight']} | "
          f"{concurrent['connections']} |")
    print(f"| sequential (measured on {args.sequential}) | {args.prompts} | {sequential_full:.1f} | "
          f"{args.prompts / sequential_full:.2f} | {sequential['cpu_ms']:.2f} | {sequential['max_in_flight']} | "
          f"{sequential['connections']} |")
    print(f"| RPM cap {args.rpm:.0f}/min | {capped_n} | {capped_s:.2f} | {capped_n / capped_s:.2f} | "
          f"{capped['cpu_ms']:.2f} | {capped['max_in_flight']} | {capped['connections']} |")
    print(f"\nspeed-up concurrent vs sequential: {sequential_full / concurrent_s:.1f}x (target >= 30x); "
          f"sequential {sequential['seconds'] / args.sequential * 1000:.1f} ms/request; "
          f"concurrent {concurrent_s:.2f} s vs a floor of {floor_s:.2f} s "
          f"({math.ceil(args.prompts / concurrency)} rounds of {DELAY_S * 1000:.0f} ms)")
    observed_rpm = capped_n / capped_s * 60
    print(f"RPM cap: {observed_rpm:.0f} requests/min observed for a cap of {args.rpm:.0f} "
          f"({'honoured' if observed_rpm <= args.rpm else 'EXCEEDED'})")


if __name__ == "__main__":
    main()
