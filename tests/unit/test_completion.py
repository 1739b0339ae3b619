"""Reading a chat-completions body into an llm_calls row's fields (design/completion.py), whatever the
server sent: a body that is no chat completion is kept whole as an `unreadable_body` reply."""

import json

import pytest

from dynosaur_assets.design.completion import MAX_TOKENS, read_answer
from dynosaur_assets.design.parse import UNREADABLE_BODY


def body(content: object = "hi", finish_reason: object = "stop", usage: object = None) -> bytes:
    usage = usage if usage is not None else {"prompt_tokens": 7, "completion_tokens": 3,
                                             "prompt_tokens_details": {"cached_tokens": 2}}
    return json.dumps({"choices": [{"index": 0, "finish_reason": finish_reason,
                                    "message": {"role": "assistant", "content": content}}], "usage": usage}).encode()


def test_a_completion_gives_its_text_finish_reason_and_tokens():
    answer = read_answer(body())
    assert (answer.text, answer.finish_reason, answer.prompt_tokens, answer.completion_tokens,
            answer.cached_tokens) == ("hi", "stop", 7, 3, 2)
    assert read_answer(body(content=None)).text is None


@pytest.mark.parametrize("raw", [
    b"caf\xe9 \xff{not utf-8",
    body().replace(b'"hi"', b'"caf\xe9"'),
    body()[:40],
    b"<html>Bad gateway</html>",
    b'{"foo": [1, 2]}',
    b'{"choices": []}',
    b'{"choices": [{"message": null}]}',
    body(content={"task1": {}}),
    body(content=["a"]),
    body(finish_reason=["stop"]),
    b"[" * 5000 + b"]" * 5000,
    b"",
])
def test_a_body_that_is_no_completion_is_kept_whole_as_unreadable(raw):
    answer = read_answer(raw)
    assert answer.finish_reason == UNREADABLE_BODY
    assert answer.text == raw.decode("utf-8", "backslashreplace")
    answer.text.encode("utf-8")  # storable


def test_lone_surrogates_from_json_escapes_are_escaped():
    answer = read_answer(b'{"choices": [{"finish_reason": "stop", "message": {"content": "a\\udcffb"}}]}')
    assert answer.text == "a\\udcffb" and answer.finish_reason == "stop"


@pytest.mark.parametrize("value", ["12", -1, 1.5, True, MAX_TOKENS + 1, None, [3]])
def test_token_counts_that_are_not_counts_are_zero(value):
    answer = read_answer(body(usage={"prompt_tokens": value, "completion_tokens": value,
                                     "prompt_tokens_details": {"cached_tokens": value}}))
    assert (answer.prompt_tokens, answer.completion_tokens, answer.cached_tokens) == (0, 0, 0)
    assert read_answer(body(usage={"prompt_tokens_details": "x"})).cached_tokens == 0


def test_a_nul_byte_in_a_body_is_escaped():
    assert read_answer(b"a\x00b").text == "a\\x00b"
    assert read_answer(body(content="x\x00y")).text == "x\\x00y"
