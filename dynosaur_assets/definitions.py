"""The one `Definitions`: assets, sensor, jobs, resources and the executor of DYNOSAUR_EXECUTOR.

Backfills are single runs. By default a run executes its steps in one process, with one held
attachment of the lake (dynosaur_assets/resources.py); with a Postgres catalog its steps may run in
processes of their own or on a Dask cluster (dynosaur_assets/executors.py).
"""

from dynosaur_assets.paths import apply_env_defaults, quiet_libraries

apply_env_defaults()
quiet_libraries()

import dagster as dg  # noqa: E402

from dynosaur_assets.batch.assets import llm_batch_ingest  # noqa: E402
from dynosaur_assets.batch.sensors import llm_batches  # noqa: E402
from dynosaur_assets.curate.assets import curation  # noqa: E402
from dynosaur_assets.dedup.assets import corpus_duplicates  # noqa: E402
from dynosaur_assets.design.assets import task_designs  # noqa: E402
from dynosaur_assets.design.designer import TaskDesigner  # noqa: E402
from dynosaur_assets.embed.assets import instruction_embeddings  # noqa: E402
from dynosaur_assets.embed.resources import InstructionEmbedder  # noqa: E402
from dynosaur_assets.executors import executor_from_env  # noqa: E402
from dynosaur_assets.export.hub_publisher import HubPublisher  # noqa: E402
from dynosaur_assets.export.assets import corpus_export  # noqa: E402
from dynosaur_assets.hub.assets import hub_ingestion, hub_listing  # noqa: E402
from dynosaur_assets.automation import corpus_automation  # noqa: E402
from dynosaur_assets.hub.sensors import new_hub_datasets  # noqa: E402
from dynosaur_assets.hub.source import HubSource  # noqa: E402
from dynosaur_assets.jobs import dynosaur_job, hub_listing_job, llm_batch_ingest_job  # noqa: E402
from dynosaur_assets.quality.checks import quality_checks  # noqa: E402
from dynosaur_assets.maintain.assets import lake_checkpoint  # noqa: E402
from dynosaur_assets.replay.assets import replay_selection  # noqa: E402
from dynosaur_assets.reports.assets import corpus_reports  # noqa: E402
from dynosaur_assets.resources import DynosaurDuckDB  # noqa: E402
from dynosaur_assets.review.assets import task_reviews  # noqa: E402
from dynosaur_assets.review.reviewer import TaskReviewer  # noqa: E402


def llm_server_settings() -> dict:
    """The LLM server's settings, shared by the designer and the reviewer (one client, one call store)."""
    return {
        "api_key": dg.EnvVar("OPENAI_API_KEY"),
        "base_url": dg.EnvVar("OPENAI_BASE_URL"),
        "model": dg.EnvVar("DYNOSAUR_MODEL"),
        "response_format": dg.EnvVar("DYNOSAUR_RESPONSE_FORMAT"),
        "timeout_s": dg.EnvVar.int("DYNOSAUR_LLM_TIMEOUT_S"),
        "requests_per_minute": dg.EnvVar.int("DYNOSAUR_LLM_RPM"),
    }


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Every external system, configured from the environment."""
    return {
        "hub_source": HubSource(
            hub=dg.EnvVar("DYNOSAUR_HUB"), hub_dir=dg.EnvVar("DYNOSAUR_HUB_DIR"),
            concurrency=dg.EnvVar.int("DYNOSAUR_HUB_CONCURRENCY"), order=dg.EnvVar("DYNOSAUR_HUB_ORDER"),
            max_new=dg.EnvVar.int("DYNOSAUR_HUB_MAX_NEW"), listing_filter=dg.EnvVar("DYNOSAUR_HUB_FILTER"),
            listing_interval_s=dg.EnvVar.int("DYNOSAUR_HUB_LISTING_INTERVAL_S"),
        ),
        "duckdb": DynosaurDuckDB(
            database=":memory:", catalog=dg.EnvVar("DYNOSAUR_CATALOG"), data_path=dg.EnvVar("DYNOSAUR_DATA_PATH"),
            snapshot_retention=dg.EnvVar("DYNOSAUR_SNAPSHOT_RETENTION"),
        ),
        "task_designer": TaskDesigner(designer=dg.EnvVar("DYNOSAUR_DESIGNER"), **llm_server_settings()),
        "hub_publisher": HubPublisher(repo_id=dg.EnvVar("DYNOSAUR_EXPORT_REPO"), token=dg.EnvVar("HF_TOKEN")),
        "task_reviewer": TaskReviewer(reviewer=dg.EnvVar("DYNOSAUR_REVIEWER"), designer=dg.EnvVar("DYNOSAUR_DESIGNER"),
                                      **llm_server_settings()),
        "instruction_embedder": InstructionEmbedder(
            backend=dg.EnvVar("DYNOSAUR_EMBEDDER"),
            api_key=dg.EnvVar("OPENAI_API_KEY"),
            base_url=dg.EnvVar("OPENAI_BASE_URL"),
        ),
    }


defs = dg.Definitions(
    assets=[hub_listing, hub_ingestion, task_designs, curation, instruction_embeddings, task_reviews,
            corpus_duplicates, corpus_reports, corpus_export, lake_checkpoint, replay_selection, llm_batch_ingest],
    asset_checks=quality_checks,
    jobs=[dynosaur_job, hub_listing_job, llm_batch_ingest_job],
    sensors=[new_hub_datasets, corpus_automation, llm_batches],
    resources=build_resources(),
    executor=executor_from_env(),
)
