"""Reports asset: `corpus_reports`, the store-wide pictures (unpartitioned, materialized by automation
after any run)."""

import dagster as dg

from dynosaur_assets.automation import after_any_run
from dynosaur_assets.embed.resources import InstructionEmbedder
from dynosaur_assets.reports.figures import (
    embedding_figure,
    funnel_figure,
    verb_noun_figure,
)
from dynosaur_assets.resources import DynosaurDuckDB

GROUP = "reports"


@dg.asset(
    deps=["hub_datasets", "task_designs", "instructions", "instruction_samples", "instruction_embeddings"],
    group_name=GROUP,
    kinds={"duckdb", "matplotlib"},
    automation_condition=after_any_run(),
)
def corpus_reports(duckdb: DynosaurDuckDB, instruction_embedder: InstructionEmbedder) -> dg.MaterializeResult:
    """The funnel, verb–noun diagram and embedding map of every dataset in the store, written to
    `reports/` beside the lake's data (`data/reports/` by default; run pictures cover their run's datasets only; these cover them all)."""
    model = instruction_embedder.embedder().model
    folder = duckdb.reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.get_connection() as conn:
        funnel, stages = funnel_figure(conn, folder)
        pictures = {
            "funnel": funnel,
            "verb_noun": verb_noun_figure(conn, folder),
            "map": embedding_figure(conn, folder, model),
        }
    return dg.MaterializeResult(metadata={
        **{f"funnel/{stage}": dg.MetadataValue.int(count) for stage, count in stages},
        "model": model,
        **{name: dg.MetadataValue.md(md) for name, md in pictures.items() if md},
    })
