"""Steps 3-4 assets: `instructions`, `task_rejections` and `instruction_samples` per dataset."""

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import dagster as dg
import duckdb
from pydantic import Field

from dynosaur_assets.automation import after_designs
from dynosaur_assets.curate.curation import Curation, curate_source
from dynosaur_assets.curate.strict_rules import RULE_SETS
from dynosaur_assets.curate.verbs import with_verb_noun
from dynosaur_assets.hub.task_sources import load_task_sources
from dynosaur_assets.metadata import PREVIEW_ROWS, counts_metadata, datasets_table, markdown_table
from dynosaur_assets.partitions import hub_dataset_partitions
from dynosaur_assets.paths import ENV_DEFAULTS
from dynosaur_assets.reports.figures import funnel_figure, last_run_dir, verb_noun_figure
from dynosaur_assets.resources import DynosaurDuckDB
from dynosaur_assets.store import replace_partition

GROUP = "curate"
_COUNTS = {"instructions": "valid_tasks", "task_rejections": "rejections", "instruction_samples": "instances"}
_PREVIEW_COLUMNS = {
    "instructions": ["task_name", "instruction", "output_field"],
    "task_rejections": ["task_name", "rule", "detail"],
    "instruction_samples": ["taskname", "instruction", "input", "output"],
}
_SPEC = {"kinds": {"duckdb"}, "group_name": GROUP, "partitions_def": hub_dataset_partitions,
         "deps": ["hub_datasets", "hub_samples", "task_designs"], "automation_condition": after_designs()}


def environment_rule_set() -> str:
    """The validity rule set this process's environment chooses (DYNOSAUR_RULES, default strict)."""
    return os.environ.get("DYNOSAUR_RULES") or ENV_DEFAULTS["DYNOSAUR_RULES"]


class CurationRunConfig(dg.Config):
    """Per-run choice of the curation step, shown in the launchpad; the default comes from the
    environment of the process that loaded the code."""

    rules: str = Field(default=environment_rule_set(), description="validity rule set: `paper` (docs/method.md "
                       "§3's five rules) or `strict` (also §3.7's rules, curate/strict_rules.py)")


def curation_run_config() -> dict:
    """The run config of a run whose rule set is this process's DYNOSAUR_RULES."""
    return {"ops": {"curation": {"config": CurationRunConfig(rules=environment_rule_set()).model_dump()}}}


@dataclass
class RunSummary:
    """What a run's metadata needs of its curated rows, without holding them: rows and first rows per
    table, valid tasks per designer, rejections per rule (a backfill renders any number of instances)."""

    rows: Counter = field(default_factory=Counter)
    previews: dict[str, list[dict]] = field(default_factory=dict)
    designers: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)

    def add(self, tables: dict[str, list[dict]]) -> None:
        """Count one dataset's curated tables and keep their first rows."""
        for table, rows in tables.items():
            self.rows[table] += len(rows)
            preview = self.previews.setdefault(table, [])
            preview += rows[: PREVIEW_ROWS - len(preview)]
        self.designers.update(r["designer"] for r in tables["instructions"] if r["designer"])
        self.rules.update(r["rule"] for r in tables["task_rejections"] if r["rule"])


def design_rows_by_config(conn: duckdb.DuckDBPyConnection, dataset_ids: Sequence[str]) -> dict[tuple[str, str], list[dict]]:
    """The datasets' `task_designs` rows grouped by (dataset id, config), in one query."""
    relation = conn.execute("SELECT * FROM task_designs WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))",
                            [list(dataset_ids)])
    columns = [d[0] for d in relation.description]
    grouped: dict[tuple[str, str], list[dict]] = {}
    for values in relation.fetchall():
        row = dict(zip(columns, values))
        grouped.setdefault((row["dataset_id"], row["config"]), []).append(row)
    return grouped


@dg.multi_asset(
    specs=[
        dg.AssetSpec("instructions", description="Valid tasks after docs/method.md §3-§4.", **_SPEC),
        dg.AssetSpec("task_rejections", description="Every rejected proposal and its rule.", **_SPEC),
        dg.AssetSpec("instruction_samples", description="instruction / input / output instances.", **_SPEC),
    ],
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def curation(context: dg.AssetExecutionContext, config: CurationRunConfig, duckdb: DynosaurDuckDB):
    """Apply the validity rules of the run's rule set, the merge, the label space and rendering to each
    config's designs; store each valid task's verb and noun; draw the run's funnel and verb–noun pictures."""
    if config.rules not in RULE_SETS:
        raise dg.Failure(description=f"rules (DYNOSAUR_RULES) must be one of {', '.join(RULE_SETS)}, "
                         f"got {config.rules!r}", allow_retries=False)
    total, per_dataset = RunSummary(), {}
    with duckdb.get_connection() as conn:
        keys = list(context.partition_keys)
        sources, designs = load_task_sources(conn, keys), design_rows_by_config(conn, keys)
        for dataset_id in keys:
            done = Curation()
            for source in sources[dataset_id]:
                done.extend(curate_source(source, designs.get((dataset_id, source.config), []), config.rules))
            tables = done.tables()
            replace_partition(conn, dataset_id, {**tables, "instructions": with_verb_noun(tables["instructions"])})
            per_dataset[dataset_id] = {_COUNTS[table]: len(rows) for table, rows in tables.items()}
            total.add(tables)
        folder = last_run_dir(duckdb.reports_dir())
        extra = {
            "instructions": {
                "rule_set": config.rules,
                **counts_metadata("designer", dict(total.designers.most_common())),
                "funnel": dg.MetadataValue.md(funnel_figure(conn, folder, keys)[0]),
                "verb_noun": dg.MetadataValue.md(verb_noun_figure(conn, folder, keys)),
            },
            "task_rejections": {"rule_set": config.rules, **counts_metadata("rule", dict(total.rules.most_common()))},
            "instruction_samples": {},
        }
    by_dataset = datasets_table(per_dataset)
    for table in _COUNTS:
        yield dg.MaterializeResult(asset_key=table, metadata={
            _COUNTS[table]: total.rows[table],
            "per_dataset": by_dataset,
            **extra[table],
            "preview": dg.MetadataValue.md(markdown_table(total.previews.get(table, []), _PREVIEW_COLUMNS[table])),
        })
