"""One row of the hostile-input table (bench/RESULTS.md) per case: appended as a JSON line to the file
named by DYNOSAUR_HOSTILE_TABLE; nothing happens when it is unset."""

import json
import os


def record(case: str, injected: str, rows_expected: int, rows_found: int, duplicates: int, paid_repeated: int,
           files_outside_data: int, secrets_found: int) -> None:
    """Append the case's row to the table file, if one is named."""
    path = os.environ.get("DYNOSAUR_HOSTILE_TABLE")
    if not path:
        return
    row = {"case": case, "injected": injected, "rows_expected": rows_expected, "rows_found": rows_found,
           "duplicates": duplicates, "paid_repeated": paid_repeated, "files_outside_data": files_outside_data,
           "secrets_found": secrets_found}
    with open(path, "a", encoding="utf-8") as table:
        table.write(json.dumps(row) + "\n")
