"""Replay selection on the 5,740 published instructions: selection time and coverage radius per strategy.

Embeds every task's instruction of ../shared/reference/dynosaur-instructions-full.json (read at run
time) with the offline MiniLM embedder, splits the tasks with a seeded shuffle into a past (90%) and a
stage (10%), and for each k runs each strategy of dynosaur_assets/replay/strategies.py on the past:
its wall time (median of `--rounds`) and the coverage radius of its set (the largest cosine distance
from a past task to its nearest selected one; lower covers better), beside `random`'s mean over
`--random-seeds` seeds. `instr_least_similar` is Instr. Diverse in the paper's wording (the asset runs
the k-center). `data_diverse` needs instance inputs, which the reference file does not have: its row
says so. Prints a Markdown table.

    .venv/bin/python bench/replay_selection.py [--k 50 200] [--rounds 3] [--random-seeds 5] [--seed 0]
        [--reference ../shared/reference/dynosaur-instructions-full.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
from dynosaur_assets.embed.embedder import MiniLMEmbedder  # noqa: E402
from dynosaur_assets.replay.strategies import (  # noqa: E402
    Selection,
    coverage_radius,
    select,
    select_least_similar,
)

REFERENCE_TASKS = PROJECT_ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
STAGE_SHARE = 0.1
STRATEGIES = ("instr_diverse", "instr_similar", "instr_support", "instr_least_similar")


def embedded_tasks(reference: Path) -> tuple[np.ndarray, float]:
    """One MiniLM vector per published task (in file order) and the seconds embedding took."""
    tasks = json.loads(reference.read_text(encoding="utf-8"))
    started = time.perf_counter()
    vectors = MiniLMEmbedder().embed([task["instruction"] for task in tasks])
    return vectors, time.perf_counter() - started


def split(vectors: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(past, stage): a seeded shuffle, the last STAGE_SHARE of it the stage."""
    order = np.random.default_rng(seed).permutation(len(vectors))
    cut = len(vectors) - round(len(vectors) * STAGE_SHARE)
    return vectors[order[:cut]], vectors[order[cut:]]


def run(strategy: str, past: np.ndarray, stage: np.ndarray, k: int, seed: int = 0) -> Selection:
    if strategy == "instr_least_similar":
        return select_least_similar(past, stage, k)
    return select(strategy, past, stage, k, seed)


def timed(strategy: str, past: np.ndarray, stage: np.ndarray, k: int, rounds: int) -> tuple[float, Selection]:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        chosen = run(strategy, past, stage, k)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), chosen


def rows_for_k(past: np.ndarray, stage: np.ndarray, k: int, rounds: int, seeds: int) -> list[list[str]]:
    random_radii = [coverage_radius(past, run("random", past, stage, k, seed).indices) for seed in range(seeds)]
    random_seconds, _ = timed("random", past, stage, k, rounds)
    baseline = statistics.mean(random_radii)
    rows = [["random", str(k), f"{random_seconds * 1000:.1f}",
             f"{baseline:.3f} (sd {statistics.pstdev(random_radii):.3f}, {seeds} seeds)", "1.00"]]
    for strategy in STRATEGIES:
        seconds, chosen = timed(strategy, past, stage, k, rounds)
        radius = coverage_radius(past, chosen.indices)
        rows.append([strategy, str(k), f"{seconds * 1000:.1f}", f"{radius:.3f}", f"{radius / baseline:.2f}"])
    rows.append(["data_diverse", str(k), "skipped", "no instances in the reference file", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--random-seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the past / stage split")
    parser.add_argument("--reference", type=Path, default=REFERENCE_TASKS, help="the published tasks' JSON")
    args = parser.parse_args()
    vectors, embed_seconds = embedded_tasks(args.reference)
    past, stage = split(vectors, args.seed)
    print(f"{len(vectors)} tasks embedded with MiniLM in {embed_seconds:.1f} s; past {len(past)}, stage "
          f"{len(stage)} (seeded split, seed {args.seed}); time: median of {args.rounds} rounds\n")
    print("| strategy | k | selection ms | coverage radius (cosine distance) | radius / random |")
    print("|---|---|---|---|---|")
    for k in args.k:
        for row in rows_for_k(past, stage, k, args.rounds, args.random_seeds):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
