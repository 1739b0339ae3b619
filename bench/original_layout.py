"""The original's prompt layout (docs/method.md §2, §7), rebuilt for comparison with the project's:
two full demonstrations (metadata with two sample rows each, answers as Python literals), the
original row rule (every key containing `id` hidden), then the dataset's metadata. Used by
bench/prompt_tokens.py (token counts) and bench/real_model.py (a real model's replies)."""

from dynosaur_assets.design.prompts import DEMONSTRATIONS, SYSTEM_LINE, Messages, prompt_fields, prompt_metadata
from dynosaur_assets.tasks import TaskSource


def original_layout_messages(source: TaskSource, kind: str) -> Messages:
    """The original's layout of one prompt kind for `source`: a system line and one user message."""
    demos = [
        f"Metadata: {prompt_metadata(demo.source, kind, 'original')!r}\nTasks: {demo.tasks!r}"
        for demo in DEMONSTRATIONS[kind]
    ]
    metadata = prompt_metadata(source, kind, "original")
    fields = prompt_fields(metadata["sample_rows"])
    text = "\n\n".join([
        "Here are two datasets, each with its metadata and the tasks designed from it.",
        *demos,
        "Now design up to three different tasks for the following dataset. Each task is a dictionary "
        "with 'instruction', 'input_fields' (a list) and 'output_field' (a list with one field). "
        f"Answer with a Python dictionary such as {{'task1': {{...}}, 'task2': {{...}}}}.",
        f"Metadata: {metadata!r}\nThe input fields and the output field must not overlap and must be "
        f"among {fields!r}.\nTasks:",
    ])
    return [{"role": "system", "content": SYSTEM_LINE}, {"role": "user", "content": text}]
