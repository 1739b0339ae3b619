"""Cost per valid task, OpenAI Batch API vs synchronous chat completions, on the same prompts.

    PYTHONPATH=. .venv/bin/python bench/batch_cost.py

Input: every dataset of the embedded Hub (data/hub), designed by the LLM designer (gpt-4o-mini prices
from dynosaur_assets/design/pricing.py) against the loopback server (tests/servers/openai_batch_server.py),
whose replies and `usage` token counts depend on the prompt only. Reviews off.

Definition. Sync: one run of the `dynosaur` job in `DYNOSAUR_LLM_MODE=sync`. Batch: one run in batch
mode (submits one batch, leaves the datasets unmaterialized), one `llm_batch_ingest` run, then one
run of the same datasets (what the `llm_batches` sensor requests), each on a fresh lake. Cost = the
sum of `llm_calls.cost_usd` of the calls behind the proposals (the cost_per_valid_task.sql query);
valid tasks = rows of `instructions`. Printed: one Markdown row per mode.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

QUERY = "\n".join(line for line in (ROOT / "sql" / "analysis" / "cost_per_valid_task.sql").read_text().splitlines()
                  if not line.startswith("--")).strip().rstrip(";")


def pipeline_run(work: Path, base_url: str, mode: str) -> dict:
    """The job over every embedded dataset in `mode` on a fresh lake under `work`; the cost row."""
    os.environ.update({"DYNOSAUR_CATALOG": f"sqlite:{work / mode / 'catalog.sqlite'}", "OPENAI_BASE_URL": base_url})
    import dagster as dg

    from dynosaur_assets.definitions import defs
    from dynosaur_assets.jobs import partition_range_tags
    from locations import read_lake

    config = {"ops": {"task_designs": {"config": {"llm_mode": mode}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        ids = sorted(p.parent.relative_to(ROOT / "data" / "hub").as_posix()
                     for p in (ROOT / "data" / "hub").glob("*/*/README.md"))
        instance.add_dynamic_partitions("hub_datasets", ids)
        tags = partition_range_tags(ids[0], ids[-1])
        job = defs.resolve_job_def("dynosaur")
        first = job.execute_in_process(instance=instance, tags=tags, run_config=config, raise_on_error=False)
        if mode == "batch":
            assert not first.success, "a batch run leaves its datasets for the batch"
            ingest = defs.resolve_job_def("llm_batch_ingest").execute_in_process(instance=instance)
            assert ingest.success
            first = job.execute_in_process(instance=instance, tags=tags, run_config=config, raise_on_error=False)
        with read_lake(work / mode / "catalog.sqlite") as conn:
            [row] = conn.execute(f"SELECT * FROM ({QUERY}) WHERE designer = 'openai'").fetchall()
            tokens = conn.execute("SELECT sum(prompt_tokens), sum(completion_tokens), min(mode) "
                                  "FROM llm_calls").fetchone()
    _, model, calls, cost, valid, _, per_task = row
    return {"mode": tokens[2], "model": model, "calls": calls, "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1], "cost_usd": cost, "valid_tasks": valid, "cost_per_valid_task": per_task}


def main() -> None:
    os.environ.update({"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(ROOT / "data" / "hub"),
                       "DYNOSAUR_DESIGNER": "openai", "DYNOSAUR_REVIEWER": "off", "OPENAI_API_KEY": "bench"})
    from dynosaur_assets.paths import quiet_libraries
    from servers.openai_batch_server import serve_batches

    quiet_libraries()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("sync", "batch"):
            with serve_batches() as server:
                rows.append(pipeline_run(Path(tmp), server.base_url, mode))
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    print(f"\nbatch / sync cost per valid task: {rows[1]['cost_per_valid_task'] / rows[0]['cost_per_valid_task']:.3f}")


if __name__ == "__main__":
    main()
