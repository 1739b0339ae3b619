"""The table helper appends one JSON line per recorded case, and nothing without DYNOSAUR_HOSTILE_TABLE."""

import json

from hostile.table import COLUMNS, TABLE_ENV, record


def test_record_appends_one_json_line_per_case(tmp_path, monkeypatch):
    monkeypatch.delenv(TABLE_ENV, raising=False)
    record("silent", "nothing", 0, 0)
    assert not list(tmp_path.iterdir())
    table = tmp_path / "table.jsonl"
    monkeypatch.setenv(TABLE_ENV, str(table))
    record("a", "quote ' and \"", 3, 2, duplicates=1)
    record("b", "ünïcode", "rejected", "rejected")
    rows = [json.loads(line) for line in table.read_text().splitlines()]
    assert [tuple(row) for row in rows] == [COLUMNS, COLUMNS]
    assert (rows[0]["injected"], rows[0]["rows_found"], rows[0]["duplicates"]) == ("quote ' and \"", 2, 1)
    assert rows[1]["rows_expected"] == "rejected"
