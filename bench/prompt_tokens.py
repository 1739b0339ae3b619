"""Prompt + completion tokens per valid task: this project's prompts vs the original layout (two full
demonstrations, metadata cut at 1,000 characters), on the kept configs of the embedded Hub and of
../shared/hub-snapshot when present. Both layouts get the same scripted replies (the rule-based
designer's tasks as JSON), so only the prompt size differs here; how often a real model's replies
are valid under each layout is bench/real_model.py's question.

A second table splits our prompt tokens into the stable prefix (the system line and the demonstration
turns, identical for every dataset of a kind), the dataset's user turn, and the chat framing of that
turn, and shows the completion tokens, all per prompt.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_tokens.py
"""

import sys

from dynosaur_assets.curate.curation import curate_source
from dynosaur_assets.design.pricing import count_text_tokens, count_tokens
from dynosaur_assets.design.prompts import dataset_block, design_messages, prompt_kinds, stable_prefix
from dynosaur_assets.design.replies import design_rows, rules_replies, tasks_as_json
from dynosaur_assets.tasks import TaskSource
from dynosaur_assets.hub.source import local_hub_sources
from local_hubs import bench_hubs
from original_layout import original_layout_messages

MODEL = "gpt-4o-mini"


def measure(sources: list[TaskSource]) -> dict[str, float]:
    totals = {"ours": 0, "original": 0, "completion": 0, "valid": 0, "prompts": 0, "prefix": 0, "block": 0}
    for source in sources:
        replies = rules_replies(source)
        for kind, reply in zip(prompt_kinds(source), replies):
            totals["prompts"] += 1
            totals["ours"] += count_tokens(design_messages(source, kind), MODEL)
            totals["prefix"] += count_tokens(stable_prefix(kind), MODEL)
            totals["block"] += count_text_tokens(dataset_block(source, kind), MODEL)
            totals["original"] += count_tokens(original_layout_messages(source, kind), MODEL)
            totals["completion"] += count_text_tokens(tasks_as_json(reply.parsed.tasks), MODEL)
        rows = [row for reply in replies for row in design_rows(source, reply)]
        totals["valid"] += len(curate_source(source, rows).instructions)
    return totals


def main() -> None:
    measured = {}
    for name, path in bench_hubs().items():
        sources = local_hub_sources(path)
        measured[name] = (len(sources), measure(sources))
    print("| Hub | configs | valid tasks | ours tokens/task | original tokens/task | ratio |")
    print("|---|---|---|---|---|---|")
    for name, (configs, t) in measured.items():
        ours = (t["ours"] + t["completion"]) / max(t["valid"], 1)
        original = (t["original"] + t["completion"]) / max(t["valid"], 1)
        print(f"| {name} | {configs} | {t['valid']} | {ours:.0f} | {original:.0f} | {ours / original:.3f} |")
    print("\nPer prompt (tokens):\n")
    print("| Hub | prompts | ours: stable prefix | ours: dataset block | ours: framing of the dataset turn "
          "| ours: prompt | original: prompt | completion |\n|---|---|---|---|---|---|---|---|")
    for name, (_, t) in measured.items():
        n = max(t["prompts"], 1)
        fixed = t["ours"] - t["prefix"] - t["block"]
        print(f"| {name} | {t['prompts']} | {t['prefix'] / n:.0f} | {t['block'] / n:.0f} | {fixed / n:.0f} "
              f"| {t['ours'] / n:.0f} | {t['original'] / n:.0f} | {t['completion'] / n:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
