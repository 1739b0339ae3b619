"""The hostile-input table (issue 17): run the `hostile` tests (tests/hostile, Hub content, model replies,
secrets) with DYNOSAUR_HOSTILE_TABLE set, then print one Markdown row per recorded case, in case order,
and pytest's outcome.

    .venv/bin/python bench/hostile_table.py [extra pytest arguments, e.g. -k hub]
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile.table import COLUMNS, TABLE_ENV  # noqa: E402

HEADERS = ["case", "what was injected", "rows expected", "rows found", "duplicates", "paid requests repeated",
           "files written outside data/", "secrets found"]


def run_suite(table: Path, extra: list[str]) -> tuple[int, float]:
    """pytest -m hostile over tests/hostile on every core; its exit code and seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto",
                           "-m", "hostile", "tests/hostile", *extra], cwd=ROOT,
                          env={**os.environ, TABLE_ENV: str(table)}, capture_output=True, text=True)
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:], file=sys.stderr)
    return done.returncode, time.monotonic() - started


def cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", "\\n")


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / "hostile.jsonl"
        code, seconds = run_suite(table, sys.argv[1:])
        rows = [json.loads(line) for line in table.read_text().splitlines()] if table.exists() else []
    print(f"| {' | '.join(HEADERS)} |")
    print(f"|{'---|' * len(HEADERS)}")
    for row in sorted(rows, key=lambda row: row["case"]):
        print(f"| {' | '.join(cell(row[column]) for column in COLUMNS)} |")
    print(f"\n{len(rows)} cases recorded; pytest -m hostile exited {code} in {seconds:.0f} s.")
    return code


if __name__ == "__main__":
    sys.exit(main())
