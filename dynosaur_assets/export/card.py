"""The dataset card (README.md) of one export version: YAML front matter that the Hub and
`load_dataset(folder)` read (licences, size category, `configs`), then every source dataset with its
licence, URL and instance count, the designers and models, the LLM cost, the snapshot and the filters.
Each instance keeps its source's licence: the card lists them all, never one for everything."""

from dataclasses import dataclass
from typing import Any

import polars as pl
import yaml

from dynosaur_assets.export.formats import MESSAGE_TURNS
from dynosaur_assets.export.options import ExportOptions

HUB_DATASET_URL = "https://huggingface.co/datasets/{}"
# The Hub's size buckets: (upper bound, label), the first bound above the row count wins.
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
UNKNOWN_LICENSE = "unknown"


@dataclass(frozen=True)
class CardFacts:
    """What the card states beside the rows: the export, its snapshot and options, the LLM cost."""

    name: str
    snapshot: int
    options: ExportOptions
    files: dict[str, str]
    cost_sources_usd: float
    cost_total_usd: float


def size_category(rows: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if rows < bound), "n>1B")


def licenses(frame: pl.DataFrame) -> list[str]:
    """Every instance licence, sorted (a missing one is `unknown`)."""
    return sorted(frame["license"].fill_null(UNKNOWN_LICENSE).unique().to_list())


def source_table(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per source dataset: its licence(s), website, configs, tasks and instances."""
    return (frame.group_by("dataset_id")
            .agg(pl.col("license").fill_null(UNKNOWN_LICENSE).unique().sort().str.join(", ").alias("license"),
                 pl.col("website").filter(pl.col("website") != "").first().alias("website"),
                 pl.col("config").n_unique().alias("configs"),
                 pl.col("task_id").n_unique().alias("tasks"),
                 pl.len().alias("instances"))
            .sort("dataset_id"))


def designer_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Tasks and instances per designer and model."""
    return (frame.with_columns(pl.col("model").fill_null("none"))
            .group_by("designer", "model")
            .agg(pl.struct("dataset_id", "task_id").n_unique().alias("tasks"), pl.len().alias("instances"))
            .sort("designer", "model"))


def front_matter(frame: pl.DataFrame, facts: CardFacts) -> dict[str, Any]:
    """The YAML header: licences, size category and the `configs` `load_dataset(folder)` reads (JSONL
    files only: `datasets` loads every config of a folder with one builder, the most common format's)."""
    def config(name: str, kind: str, default: bool = False) -> dict:
        entry = {"config_name": name, "data_files": [{"split": "train", "path": facts.files[kind]}]}
        return {**entry, "default": True} if default else entry

    return {
        "pretty_name": f"{facts.name} (Dynosaur instruction-tuning corpus, snapshot {facts.snapshot})",
        "license": licenses(frame),
        "language": ["en"],
        "size_categories": [size_category(frame.height)],
        "task_categories": ["text-generation"],
        "tags": ["dynosaur", "instruction-tuning"],
        "configs": [config("default", "jsonl", default=True), config("messages", "messages")],
    }


def build_card(frame: pl.DataFrame, facts: CardFacts) -> str:
    """The README.md of an export version."""
    header = yaml.safe_dump(front_matter(frame, facts), sort_keys=False, allow_unicode=True)
    sources = source_table(frame)
    turns = ", ".join(f"{role} = `{column}`" for role, column in MESSAGE_TURNS)
    return "\n".join([
        f"---\n{header}---",
        f"# {facts.name}",
        "",
        f"{frame.height:,} instruction-tuning instances of {frame.select('dataset_id', 'task_id').n_unique():,} "
        f"tasks from {sources.height:,} Hugging Face Hub datasets, made with the Dynosaur method "
        f"(Yin et al., EMNLP 2023) and read from DuckLake snapshot **{facts.snapshot}** of the store.",
        "",
        "## Licences",
        "Each instance keeps the licence of the dataset it comes from (its `license` field); there is no "
        "single licence for the whole corpus. Licences present: " + ", ".join(f"`{x}`" for x in licenses(frame)) + ".",
        "",
        "## Files",
        f"- `{facts.files['jsonl']}` (config `default`): instruction, input, output, license, website, taskname",
        f"- `{facts.files['parquet']}` and `{facts.files['hf_dataset']}/` "
        "(`datasets.load_from_disk`): the same plus dataset_id, config, task_id, instance_idx, designer, "
        "model, task_categories",
        f"- `{facts.files['messages']}` (config `messages`): `messages` for chat trainers ({turns}), "
        "with license and taskname",
        "",
        "## Designers and models",
        _markdown(designer_table(frame)),
        "",
        "## LLM cost",
        f"${facts.cost_sources_usd:.4f} for designing the tasks of these sources "
        f"(${facts.cost_total_usd:.4f} for the whole store at this snapshot), from `llm_calls`.",
        "",
        "## Review",
        review_statement(frame, facts.options),
        "",
        "## Filters",
        _markdown(pl.DataFrame({"filter": list(facts.options.describe()),
                                "value": [_value(v) for v in facts.options.describe().values()]})),
        "",
        f"## Sources ({sources.height})",
        _markdown(sources.with_columns(
            pl.col("dataset_id").map_elements(lambda d: HUB_DATASET_URL.format(d), return_dtype=pl.String)
            .alias("url")).select("dataset_id", "license", "url", "website", "configs", "tasks", "instances")),
        "",
    ])


def review_statement(frame: pl.DataFrame, options: ExportOptions) -> str:
    """What the export did with reviewed tasks, and the exported tasks per final verdict and its source."""
    rule = ("Tasks whose final verdict (the automatic review, or a human override) is `wrong_input`, "
            "`wrong_output` or `wrong_instruction` are left out." if options.reviewed == "skip_rejected" else
            "Tasks are kept whatever their review verdict (`reviewed: all`).")
    tasks = (frame.select("dataset_id", "task_id", pl.col("verdict").fill_null("not_reviewed"),
                          pl.col("verdict_source").fill_null("not_reviewed")).unique()
             .group_by("verdict", "verdict_source").agg(pl.len().alias("tasks")).sort("verdict", "verdict_source"))
    return f"{rule} Exported tasks by final verdict:\n\n{_markdown(tasks)}"


def _value(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _markdown(frame: pl.DataFrame) -> str:
    """A Markdown table of every row (pipes escaped, missing values empty)."""
    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)
