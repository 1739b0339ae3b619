"""Instruction-embedding throughput: `MiniLMEmbedder.embed` against raw `SentenceTransformer.encode`.

Embeds the distinct instructions of the 5,740 published tasks (../shared/reference) both ways with
the same model object, loaded once, after a warm-up; the order of the two alternates between rounds.
Prints a Markdown table (texts, seconds, texts/s, ratio pipeline/raw) and the peak RSS.
Target: pipeline >= 0.9x raw.

    .venv/bin/python bench/embedding_throughput.py [--rounds 3] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
from dynosaur_assets.embed.embedder import MiniLMEmbedder, _embed_distinct, texts_to_embed  # noqa: E402

REFERENCE_TASKS = PROJECT_ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
TARGET_RATIO = 0.9
WARM_UP_TEXTS = 256


def distinct_instructions(path: Path) -> list[str]:
    published = json.loads(path.read_text(encoding="utf-8"))
    return texts_to_embed((task["instruction"] for task in published), set())


def timed(run: Callable[[], np.ndarray]) -> tuple[float, float, np.ndarray]:
    """Wall seconds, process CPU seconds (all threads) and the result of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    rows = run()
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def wrapper_overhead_s(texts: list[str], rows: np.ndarray, repeats: int = 20) -> float:
    """What `embed` adds around `encode` (de-duplication, order), timed alone with `encode` stubbed
    by a precomputed array: immune to other processes on the machine."""
    start = time.perf_counter()
    for _ in range(repeats):
        _embed_distinct(texts, lambda unique: rows, rows.shape[1])
    return (time.perf_counter() - start) / repeats


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE_TASKS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    texts = distinct_instructions(args.reference)
    embedder = MiniLMEmbedder(batch_size=args.batch_size)
    load_start = time.perf_counter()
    model = embedder.sentence_transformer  # one model object for both paths
    load_s = time.perf_counter() - load_start

    def raw() -> np.ndarray:
        return model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    def pipeline() -> np.ndarray:
        return embedder.embed(texts)

    embedder.embed(texts[:WARM_UP_TEXTS])
    model.encode(texts[:WARM_UP_TEXTS], batch_size=args.batch_size, show_progress_bar=False)

    seconds: dict[str, list[float]] = {"pipeline": [], "raw": []}
    cpu_seconds: dict[str, list[float]] = {"pipeline": [], "raw": []}
    outputs: dict[str, np.ndarray] = {}
    for round_number in range(args.rounds):
        order = ["pipeline", "raw"] if round_number % 2 == 0 else ["raw", "pipeline"]
        for name in order:
            wall, cpu, outputs[name] = timed(pipeline if name == "pipeline" else raw)
            seconds[name].append(wall)
            cpu_seconds[name].append(cpu)

    max_difference = float(np.abs(outputs["pipeline"] - outputs["raw"]).max())
    overhead_s = wrapper_overhead_s(texts, outputs["raw"])
    print_report(len(texts), seconds, cpu_seconds, load_s, max_difference, overhead_s)


def print_report(n_texts: int, seconds: dict[str, list[float]], cpu_seconds: dict[str, list[float]],
                 load_s: float, max_difference: float, overhead_s: float) -> None:
    median = {name: statistics.median(runs) for name, runs in seconds.items()}
    cpu = {name: statistics.median(runs) for name, runs in cpu_seconds.items()}
    ratio = median["raw"] / median["pipeline"]  # throughput ratio pipeline/raw
    print(f"Model load (once): {load_s:.1f} s; runs per path: {len(seconds['raw'])}, order alternated; "
          f"medians shown; load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.\n")
    print("| path | texts | seconds | texts/s | CPU seconds | ratio pipeline/raw (wall) | (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, label in (("pipeline", "`MiniLMEmbedder.embed`"), ("raw", "`SentenceTransformer.encode`")):
        cells = (f"{ratio:.3f} | {cpu['raw'] / cpu['pipeline']:.3f}" if name == "pipeline" else "1.000 | 1.000")
        print(f"| {label} | {n_texts:,} | {median[name]:.2f} | {n_texts / median[name]:.1f} | {cpu[name]:.2f} "
              f"| {cells} |")
    runs = ", ".join(f"{name}: " + " / ".join(f"{s:.2f}" for s in runs) for name, runs in seconds.items())
    print(f"\nAll runs (s): {runs}")
    best = {name: min(runs) for name, runs in seconds.items()}
    print(f"Best-of-{len(seconds['raw'])} ratio pipeline/raw: {best['raw'] / best['pipeline']:.3f} "
          f"({best['pipeline']:.2f} s vs {best['raw']:.2f} s)")
    print(f"Max |pipeline - raw| over all values: {max_difference:.2e}")
    print(f"Wrapper overhead of `embed` around `encode`, timed alone: {overhead_s * 1000:.2f} ms "
          f"({overhead_s / median['raw'] * 100:.4f} % of one raw pass)")
    print(f"Peak RSS: {peak_rss_mb():.0f} MB")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"Pipeline/raw = {ratio:.3f} ({verdict} the >= {TARGET_RATIO} target)")


if __name__ == "__main__":
    main()
