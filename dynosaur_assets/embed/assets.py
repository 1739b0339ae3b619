"""Step 5 asset: `instruction_embeddings`, one vector per distinct instruction text and model."""

import datetime

import dagster as dg

from dynosaur_assets.automation import after_designs
from dynosaur_assets.embed.cache import pending_instructions
from dynosaur_assets.embed.embedder import instruction_hash
from dynosaur_assets.embed.resources import InstructionEmbedder
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.reports.figures import embedding_figure, last_run_dir
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import insert_rows, transaction


@dg.asset(
    deps=["instructions"],
    partitions_def=hub_dataset_partitions,
    automation_condition=after_designs(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="embed",
    kinds={"duckdb", "pytorch"},
)
def instruction_embeddings(
    context: dg.AssetExecutionContext, instruction_embedder: InstructionEmbedder, duckdb: DynosaurDuckDB
) -> dg.MaterializeResult:
    """Embed the selected datasets' instructions that this model has not embedded yet (a cache:
    rows are never replaced, so re-materializing embeds nothing twice), and map the run's embeddings."""
    embedder = instruction_embedder.embedder()
    keys = list(context.partition_keys)
    with duckdb.get_connection() as conn:
        pending = pending_instructions(conn, keys, embedder.model)
        texts = [text for text, _ in pending.missing]
        vectors = embedder.embed(texts) if texts else []
        owner = dict(pending.missing)
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        with transaction(conn, f"{len(texts)} embeddings", {"rows": {"instruction_embeddings": len(texts)}}):
            insert_rows(conn, "instruction_embeddings", [
                {"instruction_hash": instruction_hash(text), "model": embedder.model, "instruction": text,
                 "embedding": vector.tolist(), "dataset_id": owner[text], "created_at": now}
                for text, vector in zip(texts, vectors)
            ])
        picture = embedding_figure(conn, last_run_dir(duckdb.reports_dir()), embedder.model, keys)
    return dg.MaterializeResult(
        metadata={
            **({"map": dg.MetadataValue.md(picture)} if picture else {}),
            "model": embedder.model,
            "distinct_instructions": pending.distinct,
            "embedded": len(texts),
            "reused": pending.distinct - len(texts),
        }
    )
