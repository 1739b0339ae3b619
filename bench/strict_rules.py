"""Valid tasks under the paper's rules and under the strict rules (docs/method.md §3.7), per Hub and
designer: the rule designer, and gpt-3.5's published tasks for the same configs (matched by task name, with
the base instructions bench/review_sample.py labels; the first three as the aware reply, the rest as the
unaware one, since the original asked each prompt kind for up to three). Rule-designer coverage is the share of
kept configs with at least one valid task. With `--labels` (bench/review_labels/labels.csv, a blind
review), also the new rules' precision and the share of reasonable tasks kept under each rule set.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/strict_rules.py [--labels bench/review_labels/labels.csv]
"""

import argparse
import csv
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dynosaur_assets.curate.curation import curate_source
from dynosaur_assets.curate.strict_rules import STRICT_RULES
from dynosaur_assets.design.parse import ParsedResponse
from dynosaur_assets.design.replies import DesignReply, design_rows, rules_replies
from dynosaur_assets.hub.source import local_hub_sources
from dynosaur_assets.tasks import TaskDesign, TaskSource
from local_hubs import bench_hubs
from review_sample import REFERENCE_TASKS, published_tasks
HUB_KEYS = {"embedded Hub": "embedded", "hub-snapshot": "hub-snapshot"}
DESIGNERS = ("rules", "gpt-3.5")
NOT_REASONABLE = {"wrong_input", "wrong_output", "wrong_instruction"}


def task_key(hub: str, task_name: str, input_fields, output_field, base_instruction: str) -> tuple:
    """The labels' matching key: (hub, task_name, input_fields, output_field, sha256 of the base instruction)."""
    digest = hashlib.sha256(base_instruction.encode()).hexdigest()
    return hub, task_name, json.dumps(list(input_fields)), json.dumps(list(output_field)), digest


@dataclass
class Outcome:
    """One designer on one Hub: valid task keys per rule set, strict rejections by key, configs covered."""

    configs: int = 0
    valid: dict[str, set[tuple]] = field(default_factory=lambda: {"paper": set(), "strict": set()})
    covered: Counter = field(default_factory=Counter)
    strict_rejected: dict[tuple, str] = field(default_factory=dict)


def published_rows(source: TaskSource, tasks: list[TaskDesign]) -> list[dict]:
    """`task_designs` rows of gpt-3.5's tasks for a source: the first three as the aware reply, the rest unaware."""
    rows = []
    for kind, chunk in (("aware", tasks[:3]), ("unaware", tasks[3:])):
        if chunk:
            parsed = ParsedResponse(json.dumps([vars(t) for t in chunk]), tasks=chunk)
            rows += design_rows(source, DesignReply(kind, parsed, "gpt-3.5", "published"))
    return rows


def measure(hub: str, sources: list[TaskSource], rows_of) -> Outcome:
    """Curate each source's design rows (None: the designer has none for it) under both rule sets."""
    outcome = Outcome()
    for source in sources:
        rows = rows_of(source)
        if rows is None:
            continue
        outcome.configs += 1
        for rule_set in ("paper", "strict"):
            curation = curate_source(source, rows, rule_set)
            keys = {task_key(hub, source.task_name, i["input_fields"], i["output_field"], i["base_instruction"])
                    for i in curation.instructions}
            outcome.valid[rule_set] |= keys
            outcome.covered[rule_set] += bool(keys)
            if rule_set == "strict":
                outcome.strict_rejected |= {
                    task_key(hub, source.task_name, r["input_fields"], r["output_field"], r["instruction"]): r["rule"]
                    for r in curation.rejections if r["rule"] in STRICT_RULES}
    return outcome


def read_labels(path: Path) -> dict[tuple, str]:
    """labels.csv's labels by (designer, matching key); input_fields / output_field are JSON lists,
    compared re-serialised. Both designers may have proposed the same task: each keeps its own label."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["designer"], (row["hub"], row["task_name"], json.dumps(json.loads(row["input_fields"])),
                                   json.dumps(json.loads(row["output_field"])), row["instruction_sha256"])): row["label"]
                for row in csv.DictReader(handle)}


def label_scores(outcome: Outcome, labels: dict[tuple, str], designer: str) -> dict:
    """Precision of the new rules (labelled tasks valid under paper and rejected under strict that are
    not `reasonable`), per rule too, and the share `reasonable` among labelled kept tasks per rule set."""
    mine = {key: label for (who, key), label in labels.items() if who == designer}
    rejected = {key: rule for key, rule in outcome.strict_rejected.items() if key in outcome.valid["paper"]}
    judged = [(rule, mine[key] in NOT_REASONABLE) for key, rule in rejected.items() if key in mine]
    per_rule: dict[str, list[bool]] = defaultdict(list)
    for rule, wrong in judged:
        per_rule[rule].append(wrong)
    return {
        "precision": ratio([wrong for _, wrong in judged]),
        "per_rule": {rule: ratio(values) for rule, values in sorted(per_rule.items())},
        **{f"reasonable_{rule_set}": ratio([mine[key] == "reasonable" for key in outcome.valid[rule_set] if key in mine])
           for rule_set in ("paper", "strict")},
    }


def ratio(flags: list[bool]) -> tuple[int, int]:
    """(hits, total) of a list of booleans."""
    return sum(flags), len(flags)


def share(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits / total:.2f} ({hits}/{total})" if total else "n/a (0)"


def designer_rows(published: dict[str, list[TaskDesign]]):
    """Each designer's design rows for a source, or None when it designed nothing for it."""
    return {
        "rules": lambda s: [row for reply in rules_replies(s) for row in design_rows(s, reply)],
        "gpt-3.5": lambda s: published_rows(s, published[s.task_name]) if s.task_name in published else None,
    }


def print_tables(results: dict[tuple[str, str], Outcome], labels: dict[tuple, str] | None) -> None:
    print("| Hub | designer | configs | valid (paper) | valid (strict) | coverage (paper) | coverage (strict) |")
    print("|---|---|---|---|---|---|---|")
    for (hub, designer), o in results.items():
        cover = {rs: f"{o.covered[rs] / o.configs:.0%} ({o.covered[rs]})" if o.configs else "n/a" for rs in o.valid}
        print(f"| {hub} | {designer} | {o.configs} | {len(o.valid['paper'])} | {len(o.valid['strict'])} | "
              f"{cover['paper']} | {cover['strict']} |")
    print("\n| Hub | designer | " + " | ".join(STRICT_RULES) + " |")
    print("|---|---|" + "---|" * len(STRICT_RULES))
    for (hub, designer), o in results.items():
        counts = Counter(o.strict_rejected.values())
        print(f"| {hub} | {designer} | " + " | ".join(str(counts[rule]) for rule in STRICT_RULES) + " |")
    if labels is None:
        return
    print("\n| designer | precision of the new rules | per rule | reasonable among kept (paper) | (strict) |")
    print("|---|---|---|---|---|")
    for designer in DESIGNERS:
        merged = merge_outcomes([o for (_, d), o in results.items() if d == designer])
        scores = label_scores(merged, labels, designer)
        per_rule = ", ".join(f"{rule} {share(pair)}" for rule, pair in scores["per_rule"].items()) or "none"
        print(f"| {designer} | {share(scores['precision'])} | {per_rule} | {share(scores['reasonable_paper'])} | "
              f"{share(scores['reasonable_strict'])} |")


def merge_outcomes(outcomes: list[Outcome]) -> Outcome:
    """One designer's outcomes over several Hubs (keys carry the Hub)."""
    merged = Outcome()
    for outcome in outcomes:
        for rule_set, keys in outcome.valid.items():
            merged.valid[rule_set] |= keys
        merged.strict_rejected |= outcome.strict_rejected
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=Path, help="bench/review_labels/labels.csv")
    args = parser.parse_args()
    published = published_tasks(REFERENCE_TASKS)
    results = {}
    for name, path in bench_hubs().items():
        sources = local_hub_sources(path)
        for designer, rows_of in designer_rows(published).items():
            results[(name, designer)] = measure(HUB_KEYS[name], sources, rows_of)
    print_tables(results, read_labels(args.labels) if args.labels else None)


if __name__ == "__main__":
    main()
