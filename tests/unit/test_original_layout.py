"""bench/original_layout.py: the original's prompt layout, which the benchmarks compare with the project's."""

import ast
import sys

from locations import PROJECT_ROOT
from dynosaur_assets.design import prompts
from dynosaur_assets.design.pricing import count_tokens
from dynosaur_assets.tasks import TaskSource

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from original_layout import original_layout_messages  # noqa: E402


def source(description: str = "", rows: list[dict] | None = None, **options: object) -> TaskSource:
    rows = rows or [{"id": i, "sentence": f"sentence {i}", "label": "positive"} for i in range(5)]
    return TaskSource("owner/reviews", "default", "owner/reviews", {}, rows, description, **options)


def test_original_layout_is_heavier_and_uses_the_original_rule():
    squad = source("Reading comprehension on Wikipedia. " * 10, rows=[
        {"id": "1", "title": "T", "context": "A passage about rivers. " * 30, "question": "Which river?",
         "answers": {"text": ["Nile"], "answer_start": [3]}, "evidence": "e"},
    ] * 2, license="cc-by-4.0")
    for kind in prompts.PROMPT_KINDS:
        original = original_layout_messages(squad, kind)
        text = original[1]["content"]
        metadata = ast.literal_eval(text.split("Metadata: ")[-1].split("\n")[0])
        assert set(metadata["sample_rows"][0]) == {"title", "context", "question"}
        assert text.count("Metadata: ") == 3 and "'task1'" in text
        compact = prompts.design_messages(squad, kind)
        assert count_tokens(compact, "gpt-3.5-turbo") < count_tokens(original, "gpt-3.5-turbo")
    for kind in prompts.PROMPT_KINDS:
        stable = count_tokens(prompts.stable_prefix(kind), "gpt-4o-mini")
        demos = count_tokens(original_layout_messages(source("x"), kind), "gpt-4o-mini")
        assert stable < 0.6 * demos


def test_original_layout_keeps_two_full_demonstrations():
    """Each demonstration shows two sample rows whole but for every key containing 'id' (the original's
    rule), and its tasks as a Python literal; the description only in the aware kind."""
    hidden_somewhere = False
    for kind, demos in prompts.DEMONSTRATIONS.items():
        lines = original_layout_messages(source("Movie reviews."), kind)[1]["content"].splitlines()
        shown = [ast.literal_eval(line.removeprefix("Metadata: ")) for line in lines if line.startswith("Metadata: ")]
        tasks = [ast.literal_eval(line.removeprefix("Tasks: ")) for line in lines if line.startswith("Tasks: ")]
        assert len(shown) == len(demos) + 1 and tasks == [demo.tasks for demo in demos]
        for metadata, demo in zip(shown, demos):
            hidden = {name for row in demo.source.rows[:2] for name in row if "id" in name}
            hidden_somewhere |= bool(hidden)
            assert len(metadata["sample_rows"]) == 2
            assert metadata["sample_rows"] == [{name: value for name, value in row.items() if name not in hidden}
                                               for row in demo.source.rows[:2]]
            assert ("description" in metadata) == (kind == "aware")
    assert hidden_somewhere  # the rule was exercised
