"""bench/strict_rules.py's label scores on a tiny hand-made labels file: the new rules' precision and
the share of reasonable tasks kept under each rule set."""

import csv
import hashlib
import json
import sys

from locations import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from strict_rules import Outcome, label_scores, read_labels, task_key  # noqa: E402

COLUMNS = ["item", "designer", "hub", "task_name", "input_fields", "output_field", "instruction_sha256", "label", "note"]


def label(item: int, designer: str, instruction: str, verdict: str) -> dict:
    return {"item": item, "designer": designer, "hub": "hub-snapshot", "task_name": "d", "input_fields": '["a"]',
            "output_field": '["b"]', "instruction_sha256": hashlib.sha256(instruction.encode()).hexdigest(),
            "label": verdict, "note": ""}


def test_precision_and_reasonable_shares(tmp_path):
    path = tmp_path / "labels.csv"
    rows = [label(1, "rules", "kept", "reasonable"), label(2, "rules", "leak", "wrong_input"),
            label(3, "rules", "date", "wrong_output"), label(4, "rules", "date2", "reasonable"),
            label(5, "rules", "kept2", "wrong_instruction"), label(6, "gpt-3.5", "leak", "reasonable")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    labels = read_labels(path)
    key = lambda text: task_key("hub-snapshot", "d", ["a"], ["b"], text)  # noqa: E731
    outcome = Outcome()
    outcome.valid["paper"] = {key(t) for t in ("kept", "kept2", "leak", "date", "date2", "unlabelled")}
    outcome.valid["strict"] = {key("kept"), key("kept2")}
    outcome.strict_rejected = {key("leak"): "output_leaked_in_input", key("date"): "unsupported_target",
                               key("date2"): "unsupported_target", key("never_valid"): "extra_task"}
    scores = label_scores(outcome, labels, "rules")
    assert scores["precision"] == (2, 3)
    assert scores["per_rule"] == {"output_leaked_in_input": (1, 1), "unsupported_target": (1, 2)}
    assert scores["reasonable_paper"] == (2, 5) and scores["reasonable_strict"] == (1, 2)
    assert label_scores(outcome, labels, "gpt-3.5")["precision"] == (0, 1)
    assert json.loads(next(iter(labels))[1][2]) == ["a"] and len(labels) == 6
