"""Reward shapes and the rollout → submission → outcome data flow (pure logic)."""

from __future__ import annotations

import math

import pytest
from xcoder_client.reward import RewardConfig, RewardShape, plan_rollout, score_rollout
from xcoder_wire.schemas import SubmissionResult, Verdict

TESTS = {"inputs": [f"{i}\n" for i in range(20)], "outputs": [f"{i}\n" for i in range(20)]}
GOOD = "```python\nprint(input())\n```"


def _result(verdict: str, passed: int, total: int) -> SubmissionResult:
    return SubmissionResult(
        id="x", verdict=Verdict(verdict), score=passed / total, passed=passed, total=total
    )


@pytest.mark.parametrize(
    ("shape", "verdict", "passed", "expected"),
    [
        ("binary", "AC", 10, 1.0),
        ("binary", "WA", 9, 0.0),
        ("fraction", "AC", 10, 1.0),
        ("fraction", "WA", 3, 0.3),
        ("fraction", "CE", 0, 0.0),
        ("xcoder", "AC", 10, 5.0),
        ("xcoder", "WA", 4, 2.0),
        ("xcoder", "TLE", 0, 0.0),
        ("xcoder", "CE", 0, -2.0),
    ],
)
def test_shapes(shape, verdict, passed, expected):
    config = RewardConfig(shape=RewardShape(shape))
    plan = plan_rollout(GOOD, TESTS, config)
    outcome = score_rollout(plan, _result(verdict, passed, 10), config.shape)
    assert outcome.score == pytest.approx(expected)


@pytest.mark.parametrize(("shape", "expected"), [("binary", 0.0), ("fraction", 0.0), ("xcoder", -2.0)])
def test_no_code(shape, expected):
    config = RewardConfig(shape=RewardShape(shape))
    plan = plan_rollout("I think the answer is 42.", TESTS, config)
    assert plan.submission is None
    outcome = score_rollout(plan, None, config.shape)
    assert outcome.score == expected and outcome.diagnostics()["format_ok"] == 0.0


def test_se_result_is_unscored_not_zero():
    config = RewardConfig(shape=RewardShape.xcoder)
    plan = plan_rollout(GOOD, TESTS, config)
    outcome = score_rollout(plan, _result("SE", 0, 10), config.shape)
    assert outcome.score is None and not outcome.scored
    assert outcome.diagnostics()["judge_error"] == 1.0


def test_diagnostics_have_the_same_keys_for_every_outcome():
    config = RewardConfig()
    plans = [plan_rollout(GOOD, TESTS, config), plan_rollout("no code", TESTS, config)]
    outcomes = [
        score_rollout(plans[0], _result("AC", 10, 10), config.shape),
        score_rollout(plans[0], _result("SE", 0, 10), config.shape),
        score_rollout(plans[1], None, config.shape),
    ]
    keys = {tuple(o.diagnostics()) for o in outcomes}
    assert len(keys) == 1
    assert all(math.isfinite(v) for o in outcomes for v in o.diagnostics().values())


def test_every_rollout_of_a_prompt_gets_the_same_test_subset():
    config = RewardConfig(max_tests=5)
    rollouts = [f"```python\nprint({i})\n```" for i in range(8)]
    subsets = {tuple(t.input for t in plan_rollout(r, TESTS, config).submission.tests) for r in rollouts}
    assert len(subsets) == 1 and len(next(iter(subsets))) == 5
    other_task = plan_rollout(rollouts[0], TESTS, config, task_id="another-task").submission.tests
    assert len(other_task) == 5


def test_binary_shape_stops_at_the_first_failure_to_save_judge_time():
    assert plan_rollout(GOOD, TESTS, RewardConfig(shape=RewardShape.binary)).submission.stop_on_first_failure
    assert not plan_rollout(
        GOOD, TESTS, RewardConfig(shape=RewardShape.fraction)
    ).submission.stop_on_first_failure


def test_limits_reach_the_submission():
    sub = plan_rollout(GOOD, TESTS, RewardConfig(time_limit_s=1.5, memory_mb=256)).submission
    assert (sub.limits.time_s, sub.limits.memory_mb) == (1.5, 256)


def _checker_failed(passed: int, total: int) -> SubmissionResult:
    tests = [{"index": i, "verdict": "AC"} for i in range(passed)]
    tests.append({"index": passed, "verdict": "WA", "reason": "checker_error", "message": "checker failed"})
    return SubmissionResult(
        id="x", verdict=Verdict.WA, score=passed / total, passed=passed, total=total, tests=tests
    )


@pytest.mark.parametrize("shape", ["binary", "fraction", "xcoder"])
def test_checker_error_scores_zero_by_default_and_is_counted(shape):
    config = RewardConfig(shape=RewardShape(shape))
    plan = plan_rollout(GOOD, TESTS, config)
    outcome = score_rollout(plan, _checker_failed(9, 10), config.shape)
    assert outcome.score == 0.0 and outcome.checker_error
    assert outcome.diagnostics()["checker_error"] == 1.0
    plain = score_rollout(plan, _result("WA", 9, 10), config.shape)
    assert not plain.checker_error and plain.diagnostics()["checker_error"] == 0.0


def test_checker_error_score_is_configurable_and_can_be_unscored():
    plan = plan_rollout(GOOD, TESTS, RewardConfig())
    assert (
        score_rollout(plan, _checker_failed(3, 10), RewardShape.fraction, checker_error_score=-1.0).score
        == -1.0
    )
    unscored = score_rollout(plan, _checker_failed(3, 10), RewardShape.fraction, checker_error_score=None)
    assert unscored.score is None and unscored.checker_error
    assert RewardConfig(checker_error_score=None).checker_error_score is None
