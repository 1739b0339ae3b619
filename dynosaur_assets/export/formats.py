"""The files of one export version, written from one frame (export/read.py's columns):

- `<name>.jsonl`: the Dynosaur schema, one instance a line (instruction, input, output, license,
  website, taskname), as the paper's release;
- `<name>.parquet` and `hf_dataset/` (`datasets.Dataset.save_to_disk`): the same columns and the
  provenance of each instance (dataset, config, task, instance index, designer, model, categories);
- `<name>_messages.jsonl`: the conversational form SFT trainers read (TRL's `SFTTrainer`): a
  `messages` column of three turns, beside the instance's `license` and `taskname`. The system turn
  is the task's instruction (the Dynosaur task definition, shared by every instance of the task),
  the user turn the instance's input, the assistant turn its output: no text is added.
"""

from collections.abc import Callable
from pathlib import Path

import datasets
import polars as pl

DYNOSAUR_COLUMNS = ("instruction", "input", "output", "license", "website", "taskname")
PROVENANCE_COLUMNS = ("dataset_id", "config", "task_id", "instance_idx", "designer", "model", "task_categories")
MESSAGE_TURNS = (("system", "instruction"), ("user", "input"), ("assistant", "output"))
HF_DATASET_DIR = "hf_dataset"


def file_names(name: str) -> dict[str, str]:
    """Each format's file (or folder) name inside a version folder."""
    return {"jsonl": f"{name}.jsonl", "parquet": f"{name}.parquet", "messages": f"{name}_messages.jsonl",
            "hf_dataset": HF_DATASET_DIR}


def dynosaur_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The Dynosaur schema's six columns."""
    return frame.select(DYNOSAUR_COLUMNS)


def full_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The Dynosaur schema followed by each instance's provenance."""
    return frame.select(*DYNOSAUR_COLUMNS, *PROVENANCE_COLUMNS)


def messages_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The conversational form: `messages` (system = instruction, user = input, assistant = output),
    `license` and `taskname`."""
    turns = [pl.struct(role=pl.lit(role), content=pl.col(column)) for role, column in MESSAGE_TURNS]
    return frame.select(pl.concat_list(turns).alias("messages"), "license", "taskname")


def write_jsonl(frame: pl.DataFrame, path: Path) -> None:
    dynosaur_rows(frame).write_ndjson(path)


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    full_rows(frame).write_parquet(path)


def write_messages(frame: pl.DataFrame, path: Path) -> None:
    messages_rows(frame).write_ndjson(path)


def write_hf_dataset(frame: pl.DataFrame, path: Path) -> None:
    """`save_to_disk` of the full rows, with plain `string` / `int32` / list features."""
    datasets.Dataset.from_polars(full_rows(frame), features=hf_features()).save_to_disk(str(path))


def hf_features() -> datasets.Features:
    text = datasets.Value("string")
    return datasets.Features({**{column: text for column in DYNOSAUR_COLUMNS},
                              "dataset_id": text, "config": text, "task_id": text,
                              "instance_idx": datasets.Value("int32"), "designer": text, "model": text,
                              "task_categories": datasets.List(text)})


WRITERS: dict[str, Callable[[pl.DataFrame, Path], None]] = {
    "jsonl": write_jsonl, "parquet": write_parquet, "messages": write_messages, "hf_dataset": write_hf_dataset,
}


def write_formats(frame: pl.DataFrame, folder: Path, name: str) -> dict[str, str]:
    """Write every format into `folder`; return each format's file name."""
    names = file_names(name)
    for kind, writer in WRITERS.items():
        writer(frame, folder / names[kind])
    return names
