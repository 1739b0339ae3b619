"""A blind review sample of valid tasks (issue 16, "Measure"): the rule designer's tasks and gpt-3.5's
published tasks for the same configs, both curated by this project (§3-§4 with `curate_source`, the paper's rules),
mixed under opaque item ids with their sources hidden. The hand labels of the drawn items live in
bench/review_labels/ (labels.csv, GUIDE.md).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/review_sample.py --out /tmp/review_items.txt
    HF_HUB_OFFLINE=1 .venv/bin/python bench/review_sample.py --summary   # label counts, Markdown

The items go to a scratch file outside the repo (never commit them: gpt-3.5's instructions come from
../shared/reference, read at run time only). Pools: every valid task of the rule designer on the
embedded Hub and ../shared/hub-snapshot, and every published task whose task name is a config of
those Hubs, its label-space suffix removed so that §4 appends this project's own.
"""

import argparse
import csv
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from dynosaur_assets.curate.curation import curate_source
from dynosaur_assets.design.parse import ParsedResponse
from dynosaur_assets.design.replies import DesignReply, design_rows, rules_replies
from dynosaur_assets.hub.source import local_hub_sources
from dynosaur_assets.tasks import TaskDesign, TaskSource

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from local_hubs import bench_hubs  # noqa: E402

REFERENCE_TASKS = ROOT.parent / "shared" / "reference" / "dynosaur-instructions-full.json"
LABELS_CSV = ROOT / "bench" / "review_labels" / "labels.csv"
LABELS = ("reasonable", "wrong_input", "wrong_output", "wrong_instruction")
LABEL_COLUMNS = ("item", "designer", "hub", "task_name", "input_fields", "output_field",
                 "instruction_sha256", "label", "note")
DESIGNERS = ("rules", "gpt-3.5")
HUB_NAMES = {"embedded Hub": "embedded", "hub-snapshot": "hub-snapshot"}
SEED = 16
PER_DESIGNER = 60
SHOWN_INSTANCES = 2
# The original appended `Answers must be one of a, b.` to gpt-3.5's instruction (§4), not the model.
PUBLISHED_SUFFIX = re.compile(r" Answers must be one of .*\.$", re.DOTALL)


@dataclass(frozen=True)
class Candidate:
    """One valid task as a reviewer sees it, with the columns that identify it in labels.csv."""

    designer: str
    hub: str
    task_name: str
    input_fields: tuple[str, ...]
    output_field: tuple[str, ...]
    base_instruction: str
    instruction: str
    labels: tuple[str, ...]
    field_names: tuple[str, ...]
    instances: tuple[tuple[str, str], ...]

    @property
    def instruction_sha256(self) -> str:
        return hashlib.sha256(self.base_instruction.encode()).hexdigest()

    @property
    def key(self) -> tuple[str, ...]:
        """What a label row names: designer, Hub, task name, fields (JSON) and the instruction's hash."""
        return (self.designer, self.hub, self.task_name, json.dumps(list(self.input_fields)),
                json.dumps(list(self.output_field)), self.instruction_sha256)

    @property
    def item(self) -> str:
        """An opaque id: a hash of the key, so the order of items by id mixes the designers."""
        return hashlib.sha256("\x1f".join(self.key).encode()).hexdigest()[:10]


def base_instruction(published: str) -> str:
    """A published instruction without the label-space sentence the original appended."""
    return PUBLISHED_SUFFIX.sub("", published)


def published_tasks(path: Path) -> dict[str, list[TaskDesign]]:
    """gpt-3.5's published tasks by task name, each with its base instruction."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    by_name: dict[str, list[TaskDesign]] = defaultdict(list)
    for entry in entries:
        by_name[entry["task_name"]].append(
            TaskDesign(base_instruction(entry["instruction"]), list(entry["input_fields"]),
                       list(entry["output_field"])))
    return by_name


def published_rows(source: TaskSource, tasks: list[TaskDesign]) -> list[dict]:
    """The published tasks of one config as `task_designs` rows of one reply (the paper does not say
    which prompt kind gave which task; one reply keeps §3's duplicate rules over all of them)."""
    reply = DesignReply("aware", ParsedResponse(json.dumps([vars(t) for t in tasks]), tasks=tasks),
                        "gpt-3.5", "published")
    return design_rows(source, reply)


def curated_candidates(source: TaskSource, rows: list[dict], designer: str, hub: str) -> list[Candidate]:
    """The tasks `curate_source` keeps for one designer's rows, with their first rendered instances."""
    curation = curate_source(source, rows, "paper")  # labelled blind to the strict rules
    samples: dict[str, list[dict]] = defaultdict(list)
    for sample in sorted(curation.samples, key=lambda s: s["instance_idx"]):
        samples[sample["task_id"]].append(sample)
    field_names = tuple(source.rows[0]) if source.rows else ()
    return [
        Candidate(designer, hub, source.task_name, tuple(task["input_fields"]), tuple(task["output_field"]),
                  task["base_instruction"], task["instruction"], tuple(task["labels"]), field_names,
                  tuple((s["input"], s["output"]) for s in samples[task["task_id"]][:SHOWN_INSTANCES]))
        for task in curation.instructions
    ]


def candidates(hubs: dict[str, Path], reference: Path) -> list[Candidate]:
    """Every valid task of both designers on the Hubs, in a stable order."""
    published = published_tasks(reference)
    pool: list[Candidate] = []
    for hub_name, path in hubs.items():
        hub = HUB_NAMES[hub_name]
        for source in local_hub_sources(path):
            rows = [row for reply in rules_replies(source) for row in design_rows(source, reply)]
            pool += curated_candidates(source, rows, "rules", hub)
            if source.task_name in published:
                pool += curated_candidates(source, published_rows(source, published[source.task_name]),
                                           "gpt-3.5", hub)
    return sorted(pool, key=lambda c: c.key)


def draw(pool: list[Candidate], per_designer: int = PER_DESIGNER, seed: int = SEED) -> list[Candidate]:
    """`per_designer` tasks of each designer (all of them when fewer), drawn with `seed`, ordered by item."""
    rng = random.Random(seed)
    drawn: list[Candidate] = []
    for designer in DESIGNERS:
        mine = [c for c in pool if c.designer == designer]
        drawn += rng.sample(mine, min(per_designer, len(mine)))
    return sorted(drawn, key=lambda c: c.item)


def shorten(text: str, limit: int = 300) -> str:
    """`text` cut at `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit] + " ..."


def render_item(candidate: Candidate) -> str:
    """One item as the reviewer reads it: no designer, no Hub."""
    lines = [f"=== item {candidate.item} · config {candidate.task_name}",
             f"fields of the config: {', '.join(candidate.field_names)}",
             f"instruction: {candidate.instruction}",
             f"input fields: {json.dumps(list(candidate.input_fields))} -> output field: "
             f"{json.dumps(list(candidate.output_field))}",
             f"labels: {shorten(', '.join(candidate.labels)) if candidate.labels else '(none)'}"]
    for n, (text, output) in enumerate(candidate.instances, start=1):
        lines += [f"--- instance {n} input:", text, f"--- instance {n} output:", output]
    return "\n".join(lines) + "\n"


def read_labels(path: Path = LABELS_CSV) -> list[dict]:
    """The label rows, with a clear error when a column or a label is not what the guide says."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != LABEL_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {list(LABEL_COLUMNS)}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if row["label"] not in LABELS:
            raise ValueError(f"{path}:{line}: label {row['label']!r} is not one of {', '.join(LABELS)}")
    return rows


def label_key(row: dict) -> tuple[str, ...]:
    """A label row's key in the form of `Candidate.key`."""
    return (row["designer"], row["hub"], row["task_name"], json.dumps(json.loads(row["input_fields"])),
            json.dumps(json.loads(row["output_field"])), row["instruction_sha256"])


def summary_table(rows: list[dict]) -> str:
    """Counts per designer per label and the share reasonable, as Markdown."""
    counts = Counter((row["designer"], row["label"]) for row in rows)
    lines = ["| designer | tasks | " + " | ".join(LABELS) + " | share reasonable |",
             "|---|---|" + "---|" * len(LABELS) + "---|"]
    for designer in DESIGNERS:
        total = sum(counts[(designer, label)] for label in LABELS)
        cells = " | ".join(str(counts[(designer, label)]) for label in LABELS)
        share = counts[(designer, "reasonable")] / total if total else 0.0
        lines.append(f"| {designer} | {total} | {cells} | {share:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the items here (outside the repo), else stdout")
    parser.add_argument("--per-designer", type=int, default=PER_DESIGNER)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--summary", action="store_true", help="print the label counts of labels.csv")
    args = parser.parse_args()
    if args.summary:
        print(summary_table(read_labels()))
        return
    items = draw(candidates(bench_hubs(), REFERENCE_TASKS), args.per_designer, args.seed)
    text = "\n".join(render_item(c) for c in items)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
