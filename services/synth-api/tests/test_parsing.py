"""Finding the answer object in a model reply, failing closed."""

from __future__ import annotations

import pytest
from xcoder_synth.llm.parsing import ReplyParseError, parse_json_object


def test_fenced_block_wins_over_earlier_bare_objects():
    text = 'Consider {"draft": 1}.\n```json\n{"answer": 2}\n```\n'
    assert parse_json_object(text) == {"answer": 2}


def test_last_bare_object_after_reasoning():
    text = '<think>maybe {"x": 0}</think>\nI think {"a": 1} then finally {"a": 2, "b": [1, 2]}'
    assert parse_json_object(text) == {"a": 2, "b": [1, 2]}


def test_reasoning_is_ignored_even_with_a_stray_closing_tag():
    assert parse_json_object('{"in_reasoning": true}</think>{"out": 1}') == {"out": 1}


def test_unfinished_reasoning_is_a_failure():
    with pytest.raises(ReplyParseError) as err:
        parse_json_object('<think>{"a": 1} and I keep thinking')
    assert err.value.reason == "unfinished_reasoning"


def test_broken_json_is_not_repaired():
    with pytest.raises(ReplyParseError) as err:
        parse_json_object('```json\n{"a": 1 "b": 2}\n```')
    assert err.value.reason == "invalid_json"


def test_no_json_at_all():
    with pytest.raises(ReplyParseError) as err:
        parse_json_object("I cannot answer in JSON.")
    assert err.value.reason == "no_json"


def test_escaped_newlines_survive_in_strings():
    obj = parse_json_object('```json\n{"input": "3 2\\n1 1 1\\n"}\n```')
    assert obj["input"] == "3 2\n1 1 1\n"
