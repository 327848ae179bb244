"""A task's own checker (e.g. a float tolerance) travels from the dataset row to the judge."""

from __future__ import annotations

import json

import pytest
from xcoder_client.batch_reward import plan_batch
from xcoder_client.checkers import task_checker
from xcoder_client.reward import RewardConfig, parse_checker, plan_rollout, task_language
from xcoder_client.testcases import TestFormatError
from xcoder_wire.schemas import ExactChecker, FloatsChecker, TokensChecker

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


FLOATS = {"kind": "floats", "abs_tol": 1e-5, "rel_tol": 0.0}


@pytest.mark.parametrize(
    "row",
    [
        {"checker": FLOATS},
        {"checker": json.dumps(FLOATS)},
        {"extra_info": {"checker": json.dumps(FLOATS)}},  # SynthSmith's verl rows
        {"extra_info": json.dumps({"checker": FLOATS})},
        {"reward_model": {"ground_truth": json.dumps({**TESTS, "checker": FLOATS})}},
        {"reward_model": {"ground_truth": json.dumps(json.dumps({**TESTS, "checker": FLOATS}))}},
        {"ground_truth": {**TESTS, "checker": FLOATS}},
        {"label": json.dumps({**TESTS, "checker": FLOATS})},  # an OpenRLHF label
        {"tests": {"tests": [{"kind": "stdio", "input": "", "expected": "1"}], "checker": FLOATS}},
        {"verification_info": {"test_cases": [], "checker": FLOATS}},
        {"checker": FLOATS, "extra_info": {"checker": json.dumps(FLOATS)}},  # the same twice is fine
    ],
)
def test_the_checker_is_found_wherever_a_row_keeps_it(row) -> None:
    assert task_checker(row) == FloatsChecker(abs_tol=1e-5, rel_tol=0.0)


def test_the_pieces_verl_passes_apart_are_read_like_a_row() -> None:
    floats = FloatsChecker(abs_tol=1e-5, rel_tol=0.0)
    assert task_checker(extra_info={"checker": json.dumps(FLOATS)}) == floats
    assert task_checker(ground_truth={**TESTS, "checker": FLOATS}) == floats
    assert task_checker(ground_truth=json.dumps({**TESTS, "checker": FLOATS})) == floats
    assert task_checker(ground_truth=json.dumps(TESTS), extra_info=None) is None
    assert task_checker({"tests": TESTS, "extra_info": {"task_id": "t"}}) is None
    assert task_checker(ground_truth="not json at all", extra_info="{broken") is None


def test_two_places_that_disagree_are_a_dataset_error() -> None:
    row = {"checker": {"kind": "exact"}, "extra_info": {"checker": json.dumps(FLOATS)}}
    with pytest.raises(TestFormatError, match=r"checker.*extra_info\.checker.*disagree"):
        task_checker(row)
    assert task_checker({"checker": {"kind": "exact"}}) == ExactChecker()


def test_a_bad_checker_anywhere_is_reported_not_skipped() -> None:
    with pytest.raises(TestFormatError, match="checker"):
        task_checker({"extra_info": {"checker": '{"kind": "close-enough"}'}})


def test_batch_rewards_carry_each_rows_own_checker_to_its_submission() -> None:
    columns = {
        "tests": [json.dumps(TESTS)] * 3,
        "extra_info": [{"checker": json.dumps(FLOATS)}, None, {"language": "cpp"}],
        "checker": [None, {"kind": "exact"}, None],
    }
    completions = [RESPONSE, [{"role": "assistant", "content": RESPONSE}], "```cpp\nint main(){}\n```"]
    plans = plan_batch(completions, columns, RewardConfig())
    subs = [p.submission for p in plans]
    assert subs[0].checker == FloatsChecker(abs_tol=1e-5, rel_tol=0.0)
    assert subs[1].checker == ExactChecker() and subs[1].language == "python3"
    assert subs[2].checker == TokensChecker() and subs[2].language == "cpp17"


def test_the_row_language_overrides_the_run_default() -> None:
    assert task_language({"language": "C++"}) == "cpp"
    assert task_language(extra_info={"language": "python3"}) == "python"
    assert task_language(extra_info=json.dumps({"language": "cpp17"})) == "cpp"
    assert task_language({"extra_info": {"task_id": "x"}}) is None
    with pytest.raises(TestFormatError, match="language"):
        task_language({"language": "cobol"})
    cpp = plan_rollout("```cpp\nint main(){}\n```", TESTS, RewardConfig(), language="cpp")
    assert cpp.submission is not None and cpp.submission.language == "cpp17"
    py_only = plan_rollout("```cpp\nint main(){}\n```", TESTS, RewardConfig())
    assert py_only.submission is None  # a C++ block is not a Python answer
