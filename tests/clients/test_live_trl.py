"""The TRL rewards called as TRL 1.x's GRPOTrainer calls them, against a live judge.

(The real GRPOTrainer step is in test_frameworks.py; these pin the contract in-process.)
"""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
from collections import defaultdict

import pytest
from xcoder_client import JudgeUnavailable
from xcoder_client.trl_reward import AsyncXCoderTRLReward, XCoderTRLReward

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD, closed_port_url, fenced

CONVERSATIONAL = [[{"role": "assistant", "content": fenced(ADD)}]]


def step_inputs():
    tests = json.dumps(ADD_TESTS)
    completions = [fenced(ADD), fenced(WRONG_ADD), "no code here", fenced(ADD)]
    columns = {
        "tests": [tests, tests, tests, None],  # the last row is not a code task
        "task_id": ["add", "add", "add", "chat"],
        "trainer_state": object(),
    }
    return ["Add."] * 4, completions, columns


def logs():
    extra: dict[str, list] = defaultdict(list)
    metrics: dict[str, list] = defaultdict(list)
    return extra, metrics, (lambda k, v: extra[k].extend(v)), (lambda k, v: metrics[k].append(v))


def test_sync_reward_scores_a_step_and_logs_like_trl_rewards(live_judge):
    reward = XCoderTRLReward(live_judge.url)
    assert reward.__name__ == "xcoder_judge"
    prompts, completions, columns = step_inputs()
    extra, metrics, log_extra, log_metric = logs()
    scores = reward(
        prompts=prompts,
        completions=completions,
        completion_ids=None,
        log_extra=log_extra,
        log_metric=log_metric,
        **columns,
    )
    assert scores == [1.0, 0.25, 0.0, None]
    assert extra["xcoder_judge_verdict"] == ["AC", "WA", "no_code", None]
    assert extra["xcoder_judge_pass_rate"] == [1.0, 0.25, 0.0, None]
    assert metrics["xcoder_judge/acc"] == [pytest.approx(1 / 3)]
    assert metrics["xcoder_judge/format_ok"] == [pytest.approx(2 / 3)]
    reward.close()


def test_async_reward_is_a_coroutine_callable_and_batches(live_judge):
    reward = AsyncXCoderTRLReward(live_judge.url, name="judge", reward="binary")
    # TRL 0.29 (ms-swift's pin) asks asyncio about the object, TRL 1.x inspects its __call__
    assert asyncio.iscoroutinefunction(reward) and inspect.iscoroutinefunction(reward.__call__)
    assert not asyncio.iscoroutinefunction(XCoderTRLReward(live_judge.url))
    prompts, completions, columns = step_inputs()

    async def two_steps():
        first = await reward(prompts=prompts, completions=completions, **columns)
        second = await reward(prompts=["Add."], completions=CONVERSATIONAL, tests=[json.dumps(ADD_TESTS)])
        return first, second

    first, second = asyncio.run(two_steps())
    assert first == [1.0, 0.0, 0.0, None]
    assert second == [1.0]


def test_rewards_pickle_without_their_clients(live_judge):
    for cls in (XCoderTRLReward, AsyncXCoderTRLReward):
        reward = pickle.loads(pickle.dumps(cls(live_judge.url, max_tests=2)))
        assert reward.options.max_tests == 2 and reward.__name__ == "xcoder_judge"
        assert asyncio.iscoroutinefunction(reward) is (cls is AsyncXCoderTRLReward)
    sync = XCoderTRLReward(live_judge.url)
    assert sync(completions=[fenced(ADD)], tests=[ADD_TESTS]) == [1.0]
    assert pickle.loads(pickle.dumps(sync))(completions=[fenced(ADD)], tests=[ADD_TESTS]) == [1.0]


def test_a_judge_outage_raises_rather_than_becoming_a_zero_reward():
    down = XCoderTRLReward(closed_port_url(), timeout_s=3)
    with pytest.raises(JudgeUnavailable, match="refusing to score"):
        down(completions=[fenced(ADD)], tests=[ADD_TESTS])
    lenient = AsyncXCoderTRLReward(closed_port_url(), timeout_s=3, on_judge_error="none")
    assert asyncio.run(lenient(completions=[fenced(ADD), "no code"], tests=[ADD_TESTS] * 2)) == [None, 0.0]


def test_a_step_without_code_needs_no_judge():
    reward = XCoderTRLReward(closed_port_url())
    assert reward(completions=["no code", "still none"], tests=[ADD_TESTS, None]) == [0.0, None]
