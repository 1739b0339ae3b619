"""Instruction-embedding throughput: `MiniLMEmbedder.embed` against raw `SentenceTransformer.encode`.

Embeds the distinct instructions of the 5,740 published tasks (../shared/reference) both ways with
the same model object, loaded once, after a warm-up. Each round embeds every text once per path.
On a shared machine other processes make whole-set passes minutes apart incomparable, so by default
a round walks the texts in chunks of `--chunk` and runs the two paths back to back on each chunk,
alternating which goes first; `--chunk 0` times one call over the whole set per path instead.
Prints a Markdown table (texts, seconds, texts/s, ratio pipeline/raw; medians over rounds), the
wrapper's own overhead timed alone, and the peak RSS. Target: pipeline >= 0.9x raw.

    .venv/bin/python bench/embedding_throughput.py [--rounds 3] [--chunk 256] [--batch-size 64]
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
from dynosaur_assets.embed.embedder import MiniLMEmbedder, _embed_distinct  # noqa: E402

REFERENCE_TASKS = PROJECT_ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
TARGET_RATIO = 0.9
WARM_UP_TEXTS = 256
PATHS = ("pipeline", "raw")

Embed = Callable[[list[str]], np.ndarray]


def distinct_instructions(path: Path) -> list[str]:
    published = json.loads(path.read_text(encoding="utf-8"))
    return list(dict.fromkeys(task["instruction"] for task in published))


def chunks(texts: list[str], size: int) -> list[list[str]]:
    if size <= 0:
        return [texts]
    return [texts[i:i + size] for i in range(0, len(texts), size)]


def run_round(paths: dict[str, Embed], parts: list[list[str]], first: int) -> tuple[dict[str, float], dict]:
    """One round: every part through both paths back to back; returns wall seconds and outputs per path."""
    seconds = dict.fromkeys(paths, 0.0)
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in paths}
    for index, part in enumerate(parts):
        order = PATHS if (index + first) % 2 == 0 else PATHS[::-1]
        for name in order:
            start = time.perf_counter()
            outputs[name].append(paths[name](part))
            seconds[name] += time.perf_counter() - start
    return seconds, {name: np.concatenate(rows) for name, rows in outputs.items()}


def wrapper_overhead_s(texts: list[str], rows: np.ndarray, repeats: int = 20) -> float:
    """What `embed` adds around `encode` (de-duplication, order), timed alone with `encode` replaced
    by a precomputed array: unaffected by other processes on the machine."""
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
    parser.add_argument("--chunk", type=int, default=256, help="texts per interleaved call; 0 = whole set")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    texts = distinct_instructions(args.reference)
    embedder = MiniLMEmbedder(batch_size=args.batch_size)
    load_start = time.perf_counter()
    model = embedder.sentence_transformer  # one model object for both paths
    load_s = time.perf_counter() - load_start

    def raw(part: list[str]) -> np.ndarray:
        return model.encode(part, batch_size=args.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    paths: dict[str, Embed] = {"pipeline": embedder.embed, "raw": raw}
    for embed in paths.values():
        embed(texts[:WARM_UP_TEXTS])

    parts = chunks(texts, args.chunk)
    rounds = [run_round(paths, parts, first=number) for number in range(args.rounds)]
    seconds = {name: [timing[name] for timing, _ in rounds] for name in PATHS}
    outputs = rounds[-1][1]
    max_difference = float(np.abs(outputs["pipeline"] - outputs["raw"]).max())
    overhead_s = wrapper_overhead_s(texts, outputs["raw"])
    print_report(len(texts), len(parts), seconds, load_s, max_difference, overhead_s)


def print_report(n_texts: int, n_parts: int, seconds: dict[str, list[float]], load_s: float,
                 max_difference: float, overhead_s: float) -> None:
    median = {name: statistics.median(runs) for name, runs in seconds.items()}
    ratio = median["raw"] / median["pipeline"]  # throughput ratio pipeline/raw
    paired = [raw_s / pipeline_s for raw_s, pipeline_s in zip(seconds["raw"], seconds["pipeline"])]
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Model load (once): {load_s:.1f} s. {len(seconds['raw'])} rounds, each embedding all texts per "
          f"path in {n_parts} interleaved call(s); medians over rounds. Load average 1/5/15 min at the end: "
          f"{load}.\n")
    print("| path | texts | seconds | texts/s | ratio pipeline/raw |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("pipeline", "`MiniLMEmbedder.embed`"), ("raw", "`SentenceTransformer.encode`")):
        cell = f"{ratio:.3f}" if name == "pipeline" else "1.000"
        print(f"| {label} | {n_texts:,} | {median[name]:.2f} | {n_texts / median[name]:.1f} | {cell} |")
    runs = "; ".join(f"{name}: " + " / ".join(f"{s:.2f}" for s in runs) for name, runs in seconds.items())
    print(f"\nPer round (s): {runs}")
    print(f"Per-round ratios pipeline/raw: {' / '.join(f'{r:.3f}' for r in paired)}")
    print(f"Max |pipeline - raw| over all values: {max_difference:.2e}")
    print(f"Wrapper overhead of `embed` around `encode`, timed alone: {overhead_s * 1000:.2f} ms per "
          f"{n_texts:,} texts ({overhead_s / median['raw'] * 100:.4f} % of a raw pass)")
    print(f"Peak RSS: {peak_rss_mb():.0f} MB")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"Pipeline/raw = {ratio:.3f} ({verdict} the >= {TARGET_RATIO} target)")


if __name__ == "__main__":
    main()
