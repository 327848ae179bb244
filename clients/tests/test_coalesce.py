"""Coalescing concurrent per-rollout calls into batch requests, per event loop."""

from __future__ import annotations

import asyncio

import httpx
from xcoder_client import AsyncJudgeClient, Submission, Verdict
from xcoder_client.coalesce import BatchCoalescer, shared_coalescer

from clients.tests.mockjudge import MockJudge, submission


def _subs(markers):
    return [Submission.model_validate(submission(m, body=f"print('{m}{i}')")) for i, m in enumerate(markers)]


def test_concurrent_calls_share_one_request_and_get_their_own_results(fast_settings):
    judge = MockJudge(polls_to_finish=1, finish_in_reverse=True)
    calls = [_subs(["AC"]), _subs(["WA", "pass=1"]), _subs(["TLE"]), _subs(["pass=1", "AC", "RE"])]

    async def run():
        async with AsyncJudgeClient(transport=judge.transport, settings=fast_settings) as client:
            coalescer = BatchCoalescer(client, max_wait_s=0.05)
            results = await asyncio.gather(*(coalescer.judge(c) for c in calls))
            return results, coalescer.flushes

    results, flushes = asyncio.run(run())
    assert flushes == 1 and judge.count("/v1/submissions/batch") == 1
    assert [[r.verdict.value for r in rs] for rs in results] == [
        ["AC"],
        ["WA", "WA"],
        ["TLE"],
        ["WA", "AC", "RE"],
    ]
    assert [[r.passed for r in rs] for rs in results] == [[2], [0, 1], [0], [1, 2, 0]]


def test_a_full_buffer_flushes_without_waiting(fast_settings):
    judge = MockJudge()

    async def run():
        async with AsyncJudgeClient(transport=judge.transport, settings=fast_settings) as client:
            coalescer = BatchCoalescer(client, max_items=2, max_wait_s=3600)
            await asyncio.wait_for(
                asyncio.gather(*(coalescer.judge(_subs([m])) for m in ["AC", "WA", "RE", "AC"])), 5
            )
            return coalescer.flushes

    assert asyncio.run(run()) == 2


def test_judge_failure_reaches_every_waiting_caller_as_unscored(fast_settings):
    judge = MockJudge(script=["connect"] * 50)

    async def run():
        async with AsyncJudgeClient(
            transport=judge.transport, settings=fast_settings, max_retries=1
        ) as client:
            coalescer = BatchCoalescer(client, max_wait_s=0.01)
            return await asyncio.gather(coalescer.judge(_subs(["AC"])), coalescer.judge(_subs(["WA"])))

    results = asyncio.run(run())
    assert [rs[0].verdict for rs in results] == [Verdict.SE, Verdict.SE]


def test_shared_coalescer_is_one_per_event_loop():
    made = []

    def factory():
        made.append(BatchCoalescer(AsyncJudgeClient("http://judge.invalid")))
        return made[-1]

    async def get_twice():
        return shared_coalescer("k", factory), shared_coalescer("k", factory)

    a1, a2 = asyncio.run(get_twice())
    b1, _ = asyncio.run(get_twice())
    assert a1 is a2 and b1 is not a1 and len(made) == 2


def test_while_every_call_is_busy_new_calls_accumulate_into_one_batch(fast_settings):
    judge = MockJudge()
    release = asyncio.Event()
    batches = []

    async def handler(request):
        if request.url.path.endswith("/batch"):
            batches.append(request)
            if len(batches) == 1:
                await release.wait()  # the first call stays in flight until released
        return judge.handler(request)

    async def run():
        transport = httpx.MockTransport(handler)
        async with AsyncJudgeClient(transport=transport, settings=fast_settings, max_concurrency=1) as client:
            coalescer = BatchCoalescer(client, max_wait_s=0.001)
            first = asyncio.create_task(coalescer.judge(_subs(["AC"])))
            await asyncio.sleep(0.05)
            later = [asyncio.create_task(coalescer.judge(_subs([m]))) for m in ["WA", "RE", "pass=1"]]
            await asyncio.sleep(0.05)  # their window has passed, but the only call slot is busy
            release.set()
            return await first, await asyncio.gather(*later), coalescer.flushes

    first, later, flushes = asyncio.run(run())
    assert flushes == 2 and len(batches) == 2
    assert [len(r.content) > 0 for r in batches] == [True, True]
    assert first[0].verdict is Verdict.AC
    assert [rs[0].verdict.value for rs in later] == ["WA", "RE", "WA"]
