"""A task's own checker (e.g. a float tolerance) travels from the dataset row to the judge."""

from __future__ import annotations

import json

import pytest
from xcoder_client.reward import RewardConfig, parse_checker, plan_rollout
from xcoder_client.testcases import TestFormatError
from xcoder_client.verl_reward import _checker
from xcoder_wire.schemas import FloatsChecker, TokensChecker

RESPONSE = "```python\nprint(0.333333)\n```"
TESTS = {"inputs": [""], "outputs": ["0.3333333333"]}


def test_parse_checker_accepts_objects_and_json_and_nothing() -> None:
    assert parse_checker(None) is None
    assert parse_checker("") is None
    assert parse_checker({"kind": "tokens"}) == TokensChecker()
    floats = parse_checker(json.dumps({"kind": "floats", "abs_tol": 1e-4, "rel_tol": 0}))
    assert isinstance(floats, FloatsChecker) and floats.abs_tol == 1e-4


def test_a_bad_checker_is_a_dataset_error_not_a_silent_default() -> None:
    with pytest.raises(TestFormatError, match="checker"):
        parse_checker('{"kind": "fuzzy"}')
    with pytest.raises(TestFormatError, match="checker"):
        parse_checker("{not json")


def test_the_checker_reaches_the_submission() -> None:
    config = RewardConfig()
    plain = plan_rollout(RESPONSE, TESTS, config)
    assert plain.submission is not None and plain.submission.checker == TokensChecker()
    tol = plan_rollout(RESPONSE, TESTS, config, checker={"kind": "floats", "abs_tol": 1e-5})
    assert tol.submission is not None and tol.submission.checker == FloatsChecker(abs_tol=1e-5)


def test_verl_reads_the_checker_from_extra_info_first_then_the_ground_truth() -> None:
    floats = {"kind": "floats", "abs_tol": 1e-5}
    assert _checker(TESTS, {"checker": json.dumps(floats)}) == json.dumps(floats)
    assert _checker({**TESTS, "checker": floats}, {}) == floats
    assert _checker(json.dumps(TESTS), None) is None
