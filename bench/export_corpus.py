"""Time and peak RSS of exporting `--instances` synthetic instances (dynosaur_assets/export), step by
step (read at the snapshot, filter, each format, the card), then the whole `export_corpus` once more
into a fresh folder, and a re-export of the unchanged snapshot.

    .venv/bin/python bench/export_corpus.py [--instances 100000] [--datasets 200] [--tasks 5]

Synthetic store, written straight into a fresh lake in a temporary directory, one transaction per table:
`--datasets` sources cycling over six licences, `--tasks` rule-designed tasks each, and the instances
spread evenly over the tasks (input ~310 characters of hex digests, output ~30).
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dynosaur_assets.export import formats  # noqa: E402
from dynosaur_assets.export.card import CardFacts, build_card  # noqa: E402
from dynosaur_assets.export.corpus import export_corpus  # noqa: E402
from dynosaur_assets.export.filters import apply_filters  # noqa: E402
from dynosaur_assets.export.options import ExportOptions  # noqa: E402
from dynosaur_assets.export.read import export_snapshot, llm_cost, read_corpus  # noqa: E402
from dynosaur_assets.lake import LakeSettings  # noqa: E402
from dynosaur_assets.store import open_lake, transaction  # noqa: E402

LICENSES = ["mit", "apache-2.0", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "cc-by-nc-4.0"]


def write_synthetic(conn, datasets: int, tasks: int, instances: int) -> None:
    """Sources, tasks and instances, one INSERT ... SELECT (one transaction) per table."""
    per_task = -(-instances // (datasets * tasks))
    dataset = "'synth/d' || lpad(d::VARCHAR, 5, '0')"
    with transaction(conn, "synthetic sources"):
        conn.execute(f"""INSERT INTO hub_datasets BY NAME SELECT {dataset} AS dataset_id, 'default' AS config,
            {dataset} AS task_name, ($1::VARCHAR[])[d % 6 + 1] AS license, ['text-classification'] AS task_categories,
            true AS keep, 100 AS sample_rows, 'local' AS source, now() AS ingested_at FROM range({datasets}) r(d)""",
                     [LICENSES])
    with transaction(conn, "synthetic tasks"):
        conn.execute(f"""INSERT INTO instructions BY NAME SELECT {dataset} AS dataset_id, 'default' AS config,
            {dataset} AS task_name, 't' || t AS task_id, 'Classify the text of task ' || t || '.' AS instruction,
            'Classify.' AS base_instruction, ['text'] AS input_fields, ['label'] AS output_field,
            'aware' AS prompt_kind, 'rules' AS designer, '1' AS designer_version, {per_task} AS instances
            FROM range({datasets}) r(d), range({tasks}) s(t)""")
    with transaction(conn, "synthetic instances"):
        conn.execute(f"""INSERT INTO instruction_samples BY NAME SELECT {dataset} AS dataset_id, 'default' AS config,
            't' || t AS task_id, i AS instance_idx, 'Classify the text of task ' || t || '.' AS instruction,
            'text is ''' || concat_ws(' ', {", ".join(f"md5(d || '-' || t || '-' || i || '{k}')" for k in range(9))})
                || '''. ' AS input,
            'label ' || (i % 7) || ' of a synthetic task' AS output, ($1::VARCHAR[])[d % 6 + 1] AS license,
            'https://example.org/' || d AS website, {dataset} AS taskname
            FROM range({datasets}) r(d), range({tasks}) s(t), range({per_task}) u(i)
            LIMIT {instances}""", [LICENSES])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=5)
    args = parser.parse_args()
    rows: list[tuple[str, float, float, str]] = []

    def step(label: str, started: float, output: str = "") -> None:
        rows.append((label, time.perf_counter() - started, peak_mb(), output))

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with open_lake(LakeSettings.from_settings(f"sqlite:{work / 'catalog.sqlite'}")) as conn:
            write_synthetic(conn, args.datasets, args.tasks, args.instances)
            baseline = peak_mb()
            options = ExportOptions()
            started = time.perf_counter()
            snapshot = export_snapshot(conn)
            frame = read_corpus(conn, snapshot)
            step("read corpus_instances at the snapshot (polars)", started, f"{frame.height:,} rows")
            started = time.perf_counter()
            frame = apply_filters(frame, options)
            step("filters (none)", started)
            folder = work / "steps"
            folder.mkdir()
            names = formats.file_names("bench")
            for kind, writer in formats.WRITERS.items():
                started = time.perf_counter()
                writer(frame, folder / names[kind])
                step(f"write {kind}", started, f"{size_mb(folder / names[kind]):.2f} MB")
            started = time.perf_counter()
            cost = llm_cost(conn, snapshot, frame["dataset_id"].unique().to_list())
            card = build_card(frame, CardFacts("bench", snapshot, options, names, *cost))
            step("card (README.md)", started, f"{len(card) / 1e3:.0f} kB")
            started = time.perf_counter()
            outcome = export_corpus(conn, work / "exports", options)
            step("export_corpus, whole (temp folder + rename)", started, f"{outcome.manifest['rows']:,} rows")
            started = time.perf_counter()
            again = export_corpus(conn, work / "exports", options)
            step(f"export_corpus again: {again.status}", started)
    print(f"\nExport of {args.instances:,} synthetic instances ({args.datasets} datasets x {args.tasks} tasks); "
          f"RSS before the export {baseline:.0f} MB\n")
    print("| step | seconds | peak RSS so far (MB) | output |")
    print("|---|---:|---:|---|")
    for label, seconds, rss, output in rows:
        print(f"| {label} | {seconds:.2f} | {rss:.0f} | {output} |")


if __name__ == "__main__":
    main()
