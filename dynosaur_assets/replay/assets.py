"""Replay asset: `replay_selection`, the past tasks to replay with a stage of new ones, per strategy
(docs/method.md §5.3; unpartitioned, materialized by automation after any run)."""

import datetime
import os

import dagster as dg
from pydantic import Field

from dynosaur_assets.automation import after_any_run
from dynosaur_assets.embed.embedder import Embedder
from dynosaur_assets.embed.resources import InstructionEmbedder
from dynosaur_assets.metadata import markdown_table
from dynosaur_assets.method import REPLAY_STRATEGIES
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.replay.stage import Stage, TaskKey, resolve_stage
from dynosaur_assets.replay.strategies import select
from dynosaur_assets.replay.tables import selection_rows, write_selection
from dynosaur_assets.replay.vectors import (
    TaskVectors,
    data_vectors,
    instruction_vectors,
    pending_inputs,
    split_stage,
    store_input_embeddings,
)
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "replay"
PREVIEW_ROWS = 5


def environment_choices() -> dict:
    """The replay budget and strategies as this process's environment sets them (DYNOSAUR_REPLAY_K,
    DYNOSAUR_REPLAY_STRATEGIES: comma-separated)."""
    k = os.environ.get("DYNOSAUR_REPLAY_K") or ENV_DEFAULTS["DYNOSAUR_REPLAY_K"]
    if not k.strip().isdigit():
        raise ValueError(f"DYNOSAUR_REPLAY_K must be a whole number of tasks, got {k!r}")
    names = os.environ.get("DYNOSAUR_REPLAY_STRATEGIES") or ENV_DEFAULTS["DYNOSAUR_REPLAY_STRATEGIES"]
    return {"k": int(k), "strategies": [name.strip() for name in names.split(",") if name.strip()]}


_DEFAULTS = environment_choices()


class ReplayRunConfig(dg.Config):
    """Per-run choices of replay selection, shown in the launchpad; the defaults come from the
    environment of the process that loaded the code."""

    k: int = Field(default=_DEFAULTS["k"], description="replay budget: past tasks each strategy picks")
    strategies: list[str] = Field(default=_DEFAULTS["strategies"], description=f"of {', '.join(REPLAY_STRATEGIES)}")
    stage_version: int = Field(default=-1, description="the stage is the tasks added after this DuckLake snapshot "
                               "version; -1: the tasks the latest run added")
    stage_task_ids: list[str] = Field(default=[], description="an explicit stage (task ids); overrides stage_version")
    seed: int = Field(default=0, description="the seed of the random baseline")


@dg.asset(
    deps=["instructions", "instruction_samples", "instruction_embeddings"],
    group_name=GROUP,
    kinds={"duckdb", "numpy"},
    automation_condition=after_any_run(),
)
def replay_selection(
    context: dg.AssetExecutionContext, config: ReplayRunConfig, instruction_embedder: InstructionEmbedder,
    duckdb: DynosaurDuckDB,
) -> dg.MaterializeResult:
    """For the stage (the tasks added after a snapshot version, by default those of the latest run, or
    an explicit list) pick k past tasks per strategy, and rewrite the stage's rows of `replay_stages`
    and `replay_selection` in one transaction. Data Diverse embeds the past tasks' first instance
    inputs that are not in `input_embeddings` yet. No stage or no past: a message, no rows."""
    strategies = _checked(config)
    embedder = instruction_embedder.embedder()
    with duckdb.get_connection() as conn:
        version = config.stage_version if config.stage_version >= 0 else None
        stage = resolve_stage(conn, version, config.stage_task_ids)
        if stage is None:
            return _message("no run has written tasks yet: there is no stage to replay for")
        tasks = instruction_vectors(conn, embedder.model)
        past, current = split_stage(tasks, stage.tasks)
        counts = {"stage": stage.label, "stage_tasks": len(current.keys), "past_tasks": len(past.keys),
                  "not_embedded": _task_count(conn) - len(tasks.keys), "model": embedder.model,
                  **({"since_version": stage.since_version} if stage.since_version is not None else {})}
        if not current.keys or not past.keys:
            what = "no task with an instruction embedding" if not current.keys else "no past task"
            return _message(f"stage {stage.label} has {what}: nothing to replay", counts)
        data, data_counts = _data(conn, embedder, past.keys) if "data_diverse" in strategies else (None, {})
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        rows = {name: _strategy_rows(name, stage, past, current, data, config, now) for name in strategies}
        write_selection(conn, stage, [row for chosen in rows.values() for row in chosen], now)
        instructions = _instructions(conn, [row["task_id"] for chosen in rows.values() for row in chosen[:PREVIEW_ROWS]])
    context.log.info(f"replay for {stage.label}: " + ", ".join(f"{name} {len(r)}" for name, r in rows.items()))
    return dg.MaterializeResult(metadata={**counts, **data_counts, "k": config.k, **_previews(rows, instructions)})


def _checked(config: ReplayRunConfig) -> list[str]:
    if config.k < 1:
        raise ValueError(f"the replay budget k must be at least 1, got {config.k}")
    unknown = [name for name in config.strategies if name not in REPLAY_STRATEGIES]
    if unknown or not config.strategies:
        raise ValueError(f"unknown replay strategies {unknown or '(none given)'}; expected some of "
                         f"{', '.join(REPLAY_STRATEGIES)}")
    return list(dict.fromkeys(config.strategies))


def _data(conn, embedder: Embedder, past: list[TaskKey]) -> tuple[TaskVectors, dict]:
    """The past tasks' data vectors, after embedding the inputs the model has not embedded yet."""
    pending = pending_inputs(conn, past, embedder.model)
    if pending.missing:
        vectors = embedder.embed([text for _, text, _ in pending.missing])
        store_input_embeddings(conn, pending.missing, vectors, embedder.model)
    data = data_vectors(conn, past, embedder.model)
    return data, {"data_diverse/inputs_embedded": len(pending.missing),
                  "data_diverse/inputs_reused": pending.distinct - len(pending.missing),
                  "data_diverse/past_without_inputs": len(past) - len(data.keys)}


def _strategy_rows(name: str, stage: Stage, past: TaskVectors, current: TaskVectors, data: TaskVectors | None,
                   config: ReplayRunConfig, now: datetime.datetime) -> list[dict]:
    ranked = data if name == "data_diverse" else past
    if not ranked.keys:
        return []
    chosen = select(name, ranked.vectors, current.vectors, config.k, config.seed)
    return selection_rows(name, stage, config.k, ranked.keys, chosen, now)


def _task_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM (SELECT DISTINCT dataset_id, task_id FROM instructions)").fetchone()[0]


def _instructions(conn, task_ids: list[str]) -> dict[str, str]:
    return dict(conn.execute("SELECT task_id, any_value(instruction) FROM instructions "
                             "WHERE list_contains($ids, task_id) GROUP BY task_id", {"ids": task_ids}).fetchall())


def _previews(rows: dict[str, list[dict]], instructions: dict[str, str]) -> dict:
    metadata = {}
    for name, chosen in rows.items():
        preview = [{**row, "score": None if row["score"] is None else round(row["score"], 4),
                    "instruction": instructions.get(row["task_id"])} for row in chosen]
        metadata[f"{name}/selected"] = dg.MetadataValue.int(len(chosen))
        metadata[f"{name}/preview"] = dg.MetadataValue.md(
            markdown_table(preview, ["rank", "dataset_id", "task_id", "score", "instruction"], PREVIEW_ROWS))
    return metadata


def _message(text: str, counts: dict | None = None) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"message": text, **(counts or {})})
