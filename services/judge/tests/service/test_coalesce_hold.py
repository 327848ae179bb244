"""A group whose program already has a job running waits for it, so trickled tests share a job."""

from __future__ import annotations

import asyncio

from xcoder_judge.service.api.coalesce import Coalescer
from xcoder_judge.service.queue.state import JobState
from xcoder_wire.schemas import JobStatus, Submission, SubmissionResult, TestResult, Verdict


class FakeJudging:
    """Records each job's tests; answers a job when the test releases it (echoing each input)."""

    def __init__(self) -> None:
        self.jobs: list[list[str]] = []
        self.release: list[asyncio.Event] = []

    async def submit(self, subs, *, wait_s, wait_for_room):
        [sub] = subs
        self.jobs.append([t.input for t in sub.tests])
        gate = asyncio.Event()
        self.release.append(gate)
        await gate.wait()
        tests = [TestResult(index=i, verdict=Verdict.AC, stdout=t.input) for i, t in enumerate(sub.tests)]
        result = SubmissionResult(
            id=sub.id or "x", verdict=Verdict.AC, score=1.0, passed=len(tests), total=len(tests), tests=tests
        )
        return [JobState(sub.id or "x", JobStatus.done, result.model_dump_json())]

    async def record_members(self, group_id, members) -> None:
        pass


def one(source: str, stdin: str) -> Submission:
    return Submission(id=f"m:{source}:{stdin}", language="python3", source=source, tests=[{"input": stdin}])


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_requests_arriving_while_their_program_runs_join_one_held_job():
    async def scenario() -> None:
        judging = FakeJudging()
        co = Coalescer(window_s=0.001, max_tests=64, result_ttl_s=60, hold_s=5.0)
        first = asyncio.ensure_future(co.judge_one(judging, one("p", "0"), caller=None, wait_s=10))
        await settle()
        assert judging.jobs == [["0"]]  # idle API: sent at once
        later = []
        for i in range(1, 5):  # trickled, each past the 1 ms window of the one before
            later.append(
                asyncio.ensure_future(co.judge_one(judging, one("p", str(i)), caller=None, wait_s=10))
            )
            await asyncio.sleep(0.005)
        other = asyncio.ensure_future(co.judge_one(judging, one("q", "9"), caller=None, wait_s=10))
        await asyncio.sleep(0.005)
        assert judging.jobs == [["0"], ["9"]]  # p's later tests are held; q has nothing running
        judging.release[0].set()
        assert (await first).tests[0].stdout == "0"
        await settle()
        assert judging.jobs == [["0"], ["9"], ["1", "2", "3", "4"]]  # one job for the held four
        judging.release[1].set()
        judging.release[2].set()
        answers = await asyncio.gather(*later, other)
        assert [a.tests[0].stdout for a in answers] == ["1", "2", "3", "4", "9"]  # each its own test
        assert all(a.total == 1 and a.verdict is Verdict.AC for a in answers)
        assert co.held == 1

    asyncio.run(scenario())


def test_a_hold_ends_after_hold_s_and_when_the_group_is_full():
    async def scenario() -> None:
        judging = FakeJudging()
        co = Coalescer(window_s=0.001, max_tests=3, result_ttl_s=60, hold_s=0.05)
        first = asyncio.ensure_future(co.judge_one(judging, one("p", "0"), caller=None, wait_s=10))
        await settle()
        held = [asyncio.ensure_future(co.judge_one(judging, one("p", "1"), caller=None, wait_s=10))]
        await asyncio.sleep(0.01)
        assert judging.jobs == [["0"]]
        await asyncio.sleep(0.08)  # past hold_s: sent although the first job still runs
        assert judging.jobs == [["0"], ["1"]]
        full = [
            asyncio.ensure_future(co.judge_one(judging, one("p", str(i)), caller=None, wait_s=10))
            for i in (2, 3, 4)
        ]
        await asyncio.sleep(0.01)  # its window, far less than hold_s
        assert judging.jobs == [["0"], ["1"], ["2", "3", "4"]]  # full: no hold
        for gate in judging.release:
            gate.set()
        answers = await asyncio.gather(first, *held, *full)
        assert [a.tests[0].stdout for a in answers] == ["0", "1", "2", "3", "4"]

    asyncio.run(scenario())


def test_no_hold_when_disabled():
    async def scenario() -> None:
        judging = FakeJudging()
        co = Coalescer(window_s=0.001, max_tests=64, result_ttl_s=60, hold_s=0.0)
        first = asyncio.ensure_future(co.judge_one(judging, one("p", "0"), caller=None, wait_s=10))
        await settle()
        second = asyncio.ensure_future(co.judge_one(judging, one("p", "1"), caller=None, wait_s=10))
        await asyncio.sleep(0.01)
        assert judging.jobs == [["0"], ["1"]]
        for gate in judging.release:
            gate.set()
        await asyncio.gather(first, second)
        assert co.held == 0

    asyncio.run(scenario())


def test_with_hold_after_jobs_2_the_next_job_is_queued_while_one_runs():
    async def scenario() -> None:
        judging = FakeJudging()
        co = Coalescer(window_s=0.001, max_tests=64, result_ttl_s=60, hold_s=5.0, hold_after_jobs=2)
        calls = [asyncio.ensure_future(co.judge_one(judging, one("p", "0"), caller=None, wait_s=10))]
        await settle()
        calls.append(asyncio.ensure_future(co.judge_one(judging, one("p", "1"), caller=None, wait_s=10)))
        await asyncio.sleep(0.01)
        assert judging.jobs == [["0"], ["1"]]  # one job running: the second is not held
        for i in (2, 3):
            calls.append(
                asyncio.ensure_future(co.judge_one(judging, one("p", str(i)), caller=None, wait_s=10))
            )
            await asyncio.sleep(0.005)
        assert judging.jobs == [["0"], ["1"]]  # two in flight: held
        judging.release[1].set()
        await asyncio.sleep(0.01)
        assert judging.jobs == [["0"], ["1"], ["2", "3"]]
        for gate in judging.release:
            gate.set()
        answers = await asyncio.gather(*calls)
        assert [a.tests[0].stdout for a in answers] == ["0", "1", "2", "3"]

    asyncio.run(scenario())
