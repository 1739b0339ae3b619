"""Pure pieces of batch mode: the ranges the sensor requests, batch prices, the rows of output lines."""

import pytest

from dynosaur_assets.batch.ranges import partition_ranges
from dynosaur_assets.design.batch_lines import BatchCallSettings, BatchRequestInfo, output_rows, submission_id
from dynosaur_assets.design.pricing import PriceTable, mode_price_factor


def test_ready_datasets_become_ranges_of_consecutive_partitions():
    partitions = ["a", "b", "c", "d", "e"]
    assert partition_ranges(partitions, ["a", "b", "d", "zz"]) == [("a", "b"), ("d", "d")]
    assert partition_ranges(partitions, partitions) == [("a", "e")]
    assert partition_ranges(partitions, []) == []


def test_batch_calls_cost_half_and_an_unknown_mode_is_named():
    prices = PriceTable()
    sync = prices.call_cost("gpt-4o-mini", 1000, 200, 300)
    assert prices.call_cost("gpt-4o-mini", 1000, 200, 300, "batch") == pytest.approx(sync / 2) and sync > 0
    with pytest.raises(ValueError, match="DYNOSAUR_LLM_MODE.*'async'"):
        mode_price_factor("async")


def test_output_lines_become_batch_rows_and_errors():
    info = {h: BatchRequestInfo(h, "org/d", "aware", "org/d:default") for h in ("h1", "h2", "h3")}
    body = {"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 0}}}
    lines = [{"custom_id": "h1", "response": {"status_code": 200, "body": body}},
             {"custom_id": "h2", "response": {"status_code": 500, "body": {"error": {"message": "boom"}}}},
             {"custom_id": "h3", "response": None, "error": {"code": "batch_expired", "message": "late"}},
             {"custom_id": "other", "response": {"status_code": 200, "body": body}}]
    rows, errors = output_rows(lines, info, BatchCallSettings("gpt-4o-mini", "json_schema", 60.0), PriceTable())
    [row] = rows
    assert (row.request_hash, row.mode, row.prompt_tokens, row.response_format) == ("h1", "batch", 100, "json_schema")
    assert row.cost_usd == pytest.approx(PriceTable().call_cost("gpt-4o-mini", 100, 0, 10) / 2)
    assert errors == {"h2": "500: boom", "h3": "batch_expired: late"}
    assert submission_id(["h1", "h2"]) != submission_id(["h1", "h2"], "batch_parent") != submission_id(["h2"])
