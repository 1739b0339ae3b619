"""Human review decisions from a CSV into `task_review_overrides` (the store of DYNOSAUR_CATALOG):

    python -m dynosaur_assets.review.overrides load decisions.csv [--who NAME]

The CSV has a header with `dataset_id`, `task_id`, `verdict` and optionally `who`, `decided_at` (ISO
8601, UTC; default now) and `note`. Verdicts are the four review categories (any case; spaces or
hyphens for underscores). Every row is checked first (known task, category, who, date); one bad row
loads nothing and is named in the error. The rows are appended in one transaction: the latest decision
per task wins in the view `task_verdicts`, and no asset ever rewrites this table.
"""

import argparse
import csv
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from dynosaur_assets.lake import LakeConfigError, settings_from_env
from dynosaur_assets.review.parse import normalize_verdict
from dynosaur_assets.review.prompts import VERDICTS
from dynosaur_assets.store import insert_rows, open_lake, transaction

REQUIRED_COLUMNS = ("dataset_id", "task_id", "verdict")
OPTIONAL_COLUMNS = ("who", "decided_at", "note")


class OverrideError(ValueError):
    """A CSV that cannot be loaded; the message names the row and the problem."""


def read_overrides(path: Path, who: str = "", now: datetime | None = None) -> list[dict]:
    """The `task_review_overrides` rows of a CSV, validated (OverrideError on the first problem)."""
    if not path.is_file():
        raise OverrideError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise OverrideError(f"{path}: the header lacks {', '.join(missing)} (needs {', '.join(REQUIRED_COLUMNS)}; "
                                f"optional {', '.join(OPTIONAL_COLUMNS)})")
        now = now or datetime.now(timezone.utc).replace(tzinfo=None)
        return [_row(record, line, who, now) for line, record in enumerate(reader, start=2)]


def _row(record: dict, line: int, who: str, now: datetime) -> dict:
    values = {key: (record.get(key) or "").strip() for key in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    where = f"line {line}"
    if not values["dataset_id"] or not values["task_id"]:
        raise OverrideError(f"{where}: dataset_id and task_id must not be empty")
    verdict = normalize_verdict(values["verdict"])
    if verdict not in VERDICTS:
        raise OverrideError(f"{where}: verdict {values['verdict']!r} is not one of {', '.join(VERDICTS)}")
    author = values["who"] or who
    if not author:
        raise OverrideError(f"{where}: no `who` (give the column or --who)")
    return {"dataset_id": values["dataset_id"], "task_id": values["task_id"], "verdict": verdict, "who": author,
            "decided_at": _when(values["decided_at"], where) if values["decided_at"] else now,
            "note": values["note"] or None}


def _when(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OverrideError(f"{where}: decided_at {text!r} is not an ISO 8601 date or time") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def load_overrides(conn: duckdb.DuckDBPyConnection, rows: Sequence[dict]) -> int:
    """Append the rows in one transaction, after checking every task is a valid task of `instructions`."""
    pairs = sorted({(row["dataset_id"], row["task_id"]) for row in rows})
    known = set(conn.execute(
        "SELECT dataset_id, task_id FROM instructions WHERE dataset_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted({d for d, _ in pairs})]).fetchall())
    unknown = [f"{d} {t}" for d, t in pairs if (d, t) not in known]
    if unknown:
        raise OverrideError(f"not valid tasks of `instructions`: {', '.join(unknown[:5])}"
                            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
    with transaction(conn, f"{len(rows)} review overrides", {"rows": {"task_review_overrides": len(rows)}}):
        return insert_rows(conn, "task_review_overrides", list(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="append the decisions of a CSV")
    load.add_argument("csv", type=Path)
    load.add_argument("--who", default="", help="the decider of rows without a `who`")
    args = parser.parse_args(argv)
    try:
        rows = read_overrides(args.csv, args.who)
        with open_lake(settings_from_env()) as conn:
            loaded = load_overrides(conn, rows)
    except (OverrideError, LakeConfigError) as error:
        print(f"overrides not loaded: {error}", file=sys.stderr)
        return 2
    print(f"{loaded} review overrides loaded; task_verdicts applies them, the next export leaves out rejected tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
