"""The ms-swift reward classes against a live judge, called as ms-swift 4.6 calls them:
`reward(completions, **batched_columns)` inside a fresh `asyncio.run` every step.

(test_frameworks.py goes through swift's own plugin loading and reward computation.)
"""

from __future__ import annotations

import asyncio
import json

import pytest
from xcoder_client.swift_orm import XCoderCodeFormat, XCoderJudgeReward

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD, closed_port_url, fenced

TESTS = json.dumps(ADD_TESTS)
LCB_ROW = {
    "public_test_cases": json.dumps([{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]),
    "metadata": "{}",
}


def _step(orm, completions, **columns):
    async def gather():  # swift: asyncio.run(asyncio.gather(*async_reward_funcs))
        [out] = await asyncio.gather(orm(completions, **columns))
        return out

    return asyncio.run(gather())


@pytest.fixture
def judge_env(monkeypatch, live_judge):
    monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", live_judge.url)


def test_rewards_per_completion_over_two_steps(judge_env):
    orm = XCoderJudgeReward(args=None)
    completions = [fenced(ADD), fenced(WRONG_ADD), "no code", fenced(ADD)]
    columns = {
        "tests": [TESTS, TESTS, TESTS, None],
        "task_id": ["a", "a", "a", "b"],
        **{k: [None, None, None, v] for k, v in LCB_ROW.items()},
    }
    first = _step(orm, completions, **columns)
    second = _step(orm, completions, **columns)  # a new event loop: no client may survive the first
    assert first == second == [1.0, 0.25, 0.0, 1.0]  # WRONG_ADD passes 1 of 4 tests


def test_rows_without_tests_score_none(judge_env):
    assert _step(XCoderJudgeReward(), [fenced(ADD), fenced(ADD)], tests=[TESTS, None]) == [1.0, None]


def test_xcoder_shape_from_the_environment(judge_env, monkeypatch):
    monkeypatch.setenv("XCODER_CLIENT_REWARD", "xcoder")
    assert _step(XCoderJudgeReward(), [fenced(ADD), "none"], tests=[TESTS, TESTS]) == [5.0, -2.0]


def test_judge_down_is_none_not_zero(monkeypatch):
    monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", closed_port_url())
    monkeypatch.setenv("XCODER_CLIENT_MAX_RETRIES", "1")
    monkeypatch.setenv("XCODER_CLIENT_BACKOFF_S", "0")
    assert _step(XCoderJudgeReward(), [fenced(ADD), "no code"], tests=[TESTS, TESTS]) == [None, 0.0]


def test_format_reward_uses_the_shared_extractor():
    assert XCoderCodeFormat()([fenced(ADD), "```python\nprint(1)", "none"]) == [1.0, 0.0, 0.0]
