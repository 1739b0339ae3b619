"""One row of the hostile-input table (bench/hostile_table.py): each hostile test calls `record` once per
case it injects; the row is appended as one JSON line to the file DYNOSAUR_HOSTILE_TABLE names (nothing
is written when it is unset). Tests under xdist append from several processes: one `write` per line."""

import json
import os

TABLE_ENV = "DYNOSAUR_HOSTILE_TABLE"
COLUMNS = ("case", "injected", "rows_expected", "rows_found", "duplicates", "paid_repeated",
           "files_outside_data", "secrets_found")


def record(case: str, injected: str, rows_expected: int | str, rows_found: int | str, duplicates: int = 0,
           paid_repeated: int = 0, files_outside_data: int = 0, secrets_found: int = 0) -> None:
    """Append one measured row (every figure as the test measured it, never a constant it asserts)."""
    path = os.environ.get(TABLE_ENV)
    if not path:
        return
    row = dict(zip(COLUMNS, (case, injected, rows_expected, rows_found, duplicates, paid_repeated,
                             files_outside_data, secrets_found)))
    line = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
