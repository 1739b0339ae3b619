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
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
from dynosaur_assets.embed.embedder import MiniLMEmbedder, texts_to_embed  # noqa: E402

REFERENCE_TASKS = PROJECT_ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
TARGET_RATIO = 0.9
WARM_UP_TEXTS = 256


def distinct_instructions(path: Path) -> list[str]:
    published = json.loads(path.read_text(encoding="utf-8"))
    return texts_to_embed((task["instruction"] for task in published), set())


def timed(run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    rows = run()
    return time.perf_counter() - start, rows


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
    outputs: dict[str, np.ndarray] = {}
    for round_number in range(args.rounds):
        order = ["pipeline", "raw"] if round_number % 2 == 0 else ["raw", "pipeline"]
        for name in order:
            elapsed, outputs[name] = timed(pipeline if name == "pipeline" else raw)
            seconds[name].append(elapsed)

    max_difference = float(np.abs(outputs["pipeline"] - outputs["raw"]).max())
    print_report(len(texts), seconds, load_s, max_difference)


def print_report(n_texts: int, seconds: dict[str, list[float]], load_s: float, max_difference: float) -> None:
    median = {name: statistics.median(runs) for name, runs in seconds.items()}
    ratio = median["raw"] / median["pipeline"]  # throughput ratio pipeline/raw
    print(f"Model load (once): {load_s:.1f} s; runs per path: {len(seconds['raw'])}, order alternated; "
          f"medians shown.\n")
    print("| path | texts | seconds | texts/s | ratio pipeline/raw |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("pipeline", "`MiniLMEmbedder.embed`"), ("raw", "`SentenceTransformer.encode`")):
        cell = f"{ratio:.3f}" if name == "pipeline" else "1.000"
        print(f"| {label} | {n_texts:,} | {median[name]:.2f} | {n_texts / median[name]:.1f} | {cell} |")
    runs = ", ".join(f"{name}: " + " / ".join(f"{s:.2f}" for s in runs) for name, runs in seconds.items())
    print(f"\nAll runs (s): {runs}")
    best = {name: min(runs) for name, runs in seconds.items()}
    print(f"Best-of-{len(seconds['raw'])} ratio pipeline/raw: {best['raw'] / best['pipeline']:.3f} "
          f"({best['pipeline']:.2f} s vs {best['raw']:.2f} s)")
    print(f"Max |pipeline - raw| over all values: {max_difference:.2e}")
    print(f"Peak RSS: {peak_rss_mb():.0f} MB")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"Pipeline/raw = {ratio:.3f} ({verdict} the >= {TARGET_RATIO} target)")


if __name__ == "__main__":
    main()
