"""The records that flow between the method's steps: a task source and a designed task."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskSource:
    """One dataset configuration with its metadata and sample rows (docs/method.md §1).

    `features` is the `datasets.Features.to_dict()` form, e.g.
    `{"text": {"dtype": "string", "_type": "Value"}, "label": {"names": ["neg", "pos"], "_type": "ClassLabel"}}`.
    `rows` are the sample rows with ClassLabel integers already replaced by their names.
    """

    dataset_id: str
    config: str
    task_name: str
    features: dict
    rows: list[dict]
    description: str = ""
    license: str = ""
    website: str = ""
    pretty_name: str = ""
    task_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskDesign:
    """One proposed task: an instruction, the input fields and the one output field (docs/method.md §2)."""

    instruction: str
    input_fields: list[str] = field(default_factory=list)
    output_field: list[str] = field(default_factory=list)
