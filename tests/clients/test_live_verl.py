"""xcoder_client.verl against a live judge, loaded from its FILE the way verl 0.9.1 loads it.

(test_frameworks.py goes through verl's own loader and reward manager in the training venv.)
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
from concurrent.futures import ThreadPoolExecutor

import pytest
import xcoder_client.verl as verl_module
from xcoder_client import JudgeUnavailable
from xcoder_client.coalesce import _shared

from clients.tests.programs import (
    ADD,
    ADD_TESTS,
    SYNTAX_ERROR,
    closed_port_url,
    count_tests,
    fenced,
    passes_first,
)


def load_like_verl(name: str):
    """What verl.utils.import_utils.load_extern_object does: a module from a file path, not a package."""
    path = verl_module.__file__
    spec = importlib.util.spec_from_file_location(f"custom_module_{hash(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name), module


TASK = count_tests(10)


def rollouts():
    """(response, expected xcoder reward). Slow rollouts first, so judge results come back out of order;
    penalised rollouts interleaved (X-Coder's reward code shifted rewards past such rollouts)."""
    out = []
    for k in range(10, -1, -1):
        out.append((fenced(passes_first(k, delay=0.05 * k)), 5.0 * k / 10))
        if k % 3 == 0:
            out.append(("I am not sure, the answer might be 42.", -2.0))
        if k % 4 == 0:
            out.append((fenced(passes_first(k), tag="text") + "\n<think>", -2.0))
    return out


@pytest.fixture
def kwargs(live_judge):
    return {"judge_url": live_judge.url, "reward": "xcoder", "max_tests": None}


def test_async_rewards_stay_aligned_with_their_rollouts(kwargs):
    compute_score_async, module = load_like_verl("compute_score_async")
    cases = rollouts()

    async def step():
        results = await asyncio.gather(
            *(
                compute_score_async("xcoder", response, TASK, {"task_id": "t"}, **kwargs)
                for response, _ in cases
            )
        )
        return results, [c.flushes for c in _shared[asyncio.get_running_loop()].values()]

    results, flushes = asyncio.run(step())
    assert [r["score"] for r in results] == pytest.approx([expected for _, expected in cases])
    assert {tuple(r) for r in results} == {module.REWARD_KEYS}
    assert sum(flushes) < len([c for c in cases if c[1] >= 0]) / 2  # concurrent rollouts were coalesced


def test_sync_rewards_from_many_threads_stay_aligned(kwargs):
    compute_score, _ = load_like_verl("compute_score")
    cases = rollouts()
    with ThreadPoolExecutor(16) as pool:  # what verl does with a sync reward function
        results = list(pool.map(lambda c: compute_score("xcoder", c[0], TASK, None, **kwargs), cases))
    assert [r["score"] for r in results] == pytest.approx([expected for _, expected in cases])


@pytest.mark.parametrize(
    ("shape", "expected"),
    [("binary", [1.0, 0.0, 0.0]), ("fraction", [1.0, 0.25, 0.0]), ("xcoder", [5.0, 1.25, -2.0])],
)
def test_reward_shapes(live_judge, shape, expected):
    compute_score, _ = load_like_verl("compute_score")
    responses = [fenced(ADD), fenced("a, b = map(int, input().split())\nprint(3)\n"), "no code here"]
    scores = [
        compute_score("d", r, ADD_TESTS, None, judge_url=live_judge.url, reward=shape)["score"]
        for r in responses
    ]
    assert scores == pytest.approx(expected)


def test_syntax_error_is_no_parsable_code_in_xcoder_shape(kwargs):
    compute_score, _ = load_like_verl("compute_score")
    result = compute_score("d", fenced(SYNTAX_ERROR), ADD_TESTS, None, **kwargs)
    assert result["score"] == -2.0 and result["compile_error"] == 1.0 and result["format_ok"] == 1.0


def test_every_rollout_of_a_prompt_is_judged_on_the_same_subset(live_judge):
    compute_score, _ = load_like_verl("compute_score")
    big = count_tests(40)
    # passes the first 20 tests only: the fraction depends on which 10 of the 40 are drawn
    scores = {
        compute_score(
            "d", fenced(passes_first(20, delay=0.001 * i)), big, None, judge_url=live_judge.url, max_tests=10
        )["score"]
        for i in range(6)
    }
    assert len(scores) == 1


@pytest.fixture
def judge_down(monkeypatch):
    monkeypatch.setenv("XCODER_CLIENT_MAX_RETRIES", "1")
    monkeypatch.setenv("XCODER_CLIENT_BACKOFF_S", "0")
    return closed_port_url()


def test_judge_down_raises_by_default(judge_down):
    compute_score, _ = load_like_verl("compute_score")
    with pytest.raises(JudgeUnavailable, match="refusing to score"):
        compute_score("d", fenced(ADD), ADD_TESTS, None, judge_url=judge_down)


def test_judge_down_is_nan_and_flagged_not_zero(judge_down):
    compute_score_async, module = load_like_verl("compute_score_async")

    async def step():
        return await asyncio.gather(
            compute_score_async(
                "d", fenced(ADD), ADD_TESTS, None, judge_url=judge_down, on_judge_error="nan"
            ),
            compute_score_async("d", "no code", ADD_TESTS, None, judge_url=judge_down, on_judge_error="nan"),
        )

    judged, no_code = asyncio.run(step())
    assert math.isnan(judged["score"]) and judged["judge_error"] == 1.0
    assert no_code["score"] == 0.0 and no_code["judge_error"] == 0.0  # nothing to judge: a real score
    assert tuple(judged) == tuple(no_code) == module.REWARD_KEYS


def test_unknown_reward_kwargs_are_rejected(live_judge):
    compute_score, _ = load_like_verl("compute_score")
    with pytest.raises(TypeError, match="max_test"):
        compute_score("d", fenced(ADD), ADD_TESTS, None, judge_url=live_judge.url, max_test=3)
