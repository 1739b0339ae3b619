"""Prompt + completion tokens per valid task: this project's prompts vs the original layout (two full
demonstrations, metadata cut at 1,000 characters), on the kept configs of the embedded Hub and of
../shared/hub-snapshot when present. Both layouts get the same scripted replies (the rule-based
designer's tasks as JSON), so they are valid at the same rate and only the prompt size differs.

    .venv/bin/python bench/prompt_tokens.py
"""

import sys

from dynosaur_assets.curate.curation import curate_source
from dynosaur_assets.design.pricing import count_text_tokens, count_tokens
from dynosaur_assets.design.prompts import design_messages, original_layout_messages, prompt_kinds
from dynosaur_assets.design.replies import design_rows, rules_replies, tasks_as_json
from dynosaur_assets.tasks import TaskSource
from local_hubs import bench_hubs, kept_sources

MODEL = "gpt-4o-mini"


def measure(sources: list[TaskSource]) -> dict[str, float]:
    totals = {"ours": 0, "original": 0, "completion": 0, "valid": 0}
    for source in sources:
        replies = rules_replies(source)
        for kind, reply in zip(prompt_kinds(source), replies):
            totals["ours"] += count_tokens(design_messages(source, kind), MODEL)
            totals["original"] += count_tokens(original_layout_messages(source, kind), MODEL)
            totals["completion"] += count_text_tokens(tasks_as_json(reply.parsed.tasks), MODEL)
        rows = [row for reply in replies for row in design_rows(source, reply)]
        totals["valid"] += len(curate_source(source, rows).instructions)
    return totals


def main() -> None:
    hubs = bench_hubs()
    print("| Hub | configs | valid tasks | ours tokens/task | original tokens/task | ratio |\n|---|---|---|---|---|---|")
    for name, path in hubs.items():
        sources = kept_sources(path)
        t = measure(sources)
        ours = (t["ours"] + t["completion"]) / max(t["valid"], 1)
        original = (t["original"] + t["completion"]) / max(t["valid"], 1)
        print(f"| {name} | {len(sources)} | {t['valid']} | {ours:.0f} | {original:.0f} | {ours / original:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
