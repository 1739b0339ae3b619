"""A synthetic local Hub of N datasets in Hub layout, made by varying the embedded ones (data/hub):
dataset i copies embedded dataset i mod 19 under a new id `synth-<i // 100>/<name>-<i>`, with every
data file's rows shuffled and every ClassLabel renamed (`neg` -> `neg_kappa`, in the card's YAML and
in back-quoted mentions in its text). Deterministic given the seed (issue 14's benchmarks).

    .venv/bin/python bench/synthetic_hub.py --n 2000 --out /tmp/hub-2000 [--seed 0] [--first 0]
"""

import argparse
import csv
import io
import random
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED = ROOT / "data" / "hub"
PER_OWNER = 100
SUFFIXES = ("alpha", "beta", "gamma", "delta", "kappa", "lambda", "sigma", "omega", "tau", "zeta")


def embedded_datasets(hub: Path = EMBEDDED) -> list[Path]:
    """The repository folders of a local Hub (a README.md at depth 2), sorted by id."""
    return sorted(card.parent for card in hub.glob("*/*/README.md"))


def synthetic_id(index: int, name: str) -> str:
    """The id of synthetic dataset `index` copied from a dataset called `name`."""
    return f"synth-{index // PER_OWNER:03d}/{name}-{index:05d}"


def renamed_labels(names: list[str], rng: random.Random) -> dict[str, str]:
    """A new, distinct name for each label: the old name plus a suffix the seed picks."""
    suffix = rng.choice(SUFFIXES)
    return {name: f"{name}_{suffix}" for name in names}


def _class_labels(metadata: dict) -> list[dict]:
    """Every `class_label.names` mapping in the card's `dataset_info` (one config or a list of them)."""
    infos = metadata.get("dataset_info") or []
    infos = infos if isinstance(infos, list) else [infos]
    features = [f for info in infos for f in info.get("features") or []]
    return [f["dtype"]["class_label"]["names"] for f in features
            if isinstance(f.get("dtype"), dict) and "class_label" in f["dtype"]]


def vary_card(text: str, rng: random.Random) -> str:
    """The card with its ClassLabels renamed in the YAML and where the text back-quotes them."""
    _, front, body = text.split("---\n", 2)
    metadata = yaml.safe_load(front)
    for names in _class_labels(metadata):
        new = renamed_labels(list(names.values()), rng)
        for key, old in names.items():
            names[key] = new[old]
        for old, name in new.items():
            body = re.sub(rf"`{re.escape(old)}`", f"`{name}`", body)
    return f"---\n{yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)}---\n{body}"


def shuffle_file(source: Path, target: Path, rng: random.Random) -> None:
    """Copy a data file (JSON lines, CSV, Parquet; anything else as is) with its rows shuffled."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix == ".jsonl":
        lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
        rng.shuffle(lines)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif source.suffix == ".csv":
        header, *rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))
        rng.shuffle(rows)
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        target.write_text(out.getvalue(), encoding="utf-8")
    elif source.suffix == ".parquet":
        table = pq.read_table(source)
        order = list(range(table.num_rows))
        rng.shuffle(order)
        pq.write_table(table.take(order), target)
    else:
        shutil.copyfile(source, target)


def write_synthetic_hub(n: int, out: Path, seed: int = 0, first: int = 0, hub: Path = EMBEDDED) -> list[str]:
    """Write synthetic datasets `first` .. `first + n - 1` under `out` in Hub layout; return their ids."""
    sources = embedded_datasets(hub)
    ids = []
    for index in range(first, first + n):
        source = sources[index % len(sources)]
        rng = random.Random(f"{seed}:{index}")
        dataset_id = synthetic_id(index, source.name)
        target = out / dataset_id
        target.mkdir(parents=True, exist_ok=True)
        card = vary_card((source / "README.md").read_text(encoding="utf-8"), rng)
        (target / "README.md").write_text(card, encoding="utf-8")
        for data_file in sorted(p for p in source.rglob("*") if p.is_file() and p.name != "README.md"):
            shuffle_file(data_file, target / data_file.relative_to(source), rng)
        ids.append(dataset_id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="how many datasets")
    parser.add_argument("--out", type=Path, required=True, help="the Hub directory to write into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first", type=int, default=0, help="index of the first dataset (to add to a Hub)")
    args = parser.parse_args()
    ids = write_synthetic_hub(args.n, args.out, args.seed, args.first)
    print(f"{len(ids)} datasets in {args.out} ({ids[0]} .. {ids[-1]})")


if __name__ == "__main__":
    main()
