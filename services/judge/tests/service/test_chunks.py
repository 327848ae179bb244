"""Chunked submissions without judging: how the API splits them, how Redis admits them, how the
chunks' results merge, and what the janitor does with a chunk whose workers all died."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis.asyncio as aioredis
from rq.job import Job
from xcoder_judge.service.queue import chunks, keys
from xcoder_judge.service.queue.chunks import merge_results
from xcoder_judge.service.queue.enqueue import Enqueuer, QueueFull
from xcoder_judge.service.queue.janitor import Janitor
from xcoder_judge.service.queue.jobspec import SERIALIZER, build_job_spec, chunk_job_id, submission_digest
from xcoder_judge.service.queue.state import read_states
from xcoder_judge.service.worker.job import JudgeTask
from xcoder_judge.service.worker.rq_worker import JudgeWorker
from xcoder_judge.service.worker.watchdog import Watchdog
from xcoder_wire.schemas import JobStatus as Status
from xcoder_wire.schemas import Priority, Submission, SubmissionResult, TestResult, Verdict


def submission(n: int, **over) -> Submission:
    tests = [{"id": f"t{i}", "input": f"{i}\n", "expected": f"{i}\n"} for i in range(n)]
    return Submission.model_validate(
        {"language": "python3", "source": "print(input())", "tests": tests, **over}
    )


def spec_of(sub: Submission, sid: str, client, chunk_tests: int = 10, in_flight: int = 2):
    return build_job_spec(
        sub,
        submission_id=sid,
        digest=submission_digest(sub),
        retries=1,
        result_ttl_s=60,
        connection=client,
        chunk_tests=chunk_tests,
        in_flight=in_flight,
    )


def test_a_large_submission_becomes_a_parent_a_state_and_its_chunks(sync_redis):
    spec = spec_of(submission(25, priority="bulk"), "big.x", sync_redis)
    assert spec.job_id == "big_2Ex" and not spec.push
    state, *chunks = spec.children
    assert state.hash_key == keys.chunk_state_key("big_2Ex") and state.fields["next"] == 2
    assert state.fields["count"] == 3
    assert [c.job_id for c in chunks] == [chunk_job_id("big_2Ex", k) for k in range(3)]
    assert [c.push for c in chunks] == [True, True, False]  # only `in_flight` queued at once
    for k, chunk in enumerate(chunks):
        sync_redis.hset(chunk.hash_key, mapping=chunk.fields)
        job = Job.fetch(chunk.job_id, connection=sync_redis, serializer=SERIALIZER)
        part = Submission.model_validate_json(job.args[0])
        assert part.id == "big.x" and part.priority is Priority.bulk
        assert [t.id for t in part.tests] == [f"t{i}" for i in range(10 * k, min(25, 10 * k + 10))]
        assert job.meta["parent"] == "big_2Ex" and job.meta["chunk"] == k and job.meta["offset"] == 10 * k


def test_a_submission_at_the_chunk_size_stays_one_job(sync_redis):
    spec = spec_of(submission(10), "s", sync_redis)
    assert spec.push and not spec.children


def test_admission_queues_only_the_first_chunks_and_is_idempotent(redis_url, sync_redis):
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        try:
            enq = Enqueuer(client)
            big = spec_of(submission(45), "big", client)
            assert await enq.enqueue([big], max_queue=2) == [True]  # 2 queued ids fit a bound of 2
            assert await enq.enqueue([big], max_queue=2) == [False]  # the same again: nothing new
            with pytest.raises(QueueFull):
                await enq.enqueue([spec_of(submission(1), "one", client)], max_queue=2)
        finally:
            await client.aclose()

    asyncio.run(main())
    queued = sync_redis.lrange(keys.queue_key(Priority.interactive), 0, -1)
    assert queued == [b"big_c0", b"big_c1"]
    assert sync_redis.exists(keys.job_key("big"), keys.job_key("big_c4")) == 2


def part(verdicts: list[Verdict], **over) -> SubmissionResult:
    tests = [TestResult(index=i, id=f"x{i}", verdict=v) for i, v in enumerate(verdicts)]
    passed = sum(v is Verdict.AC for v in verdicts)
    base = {
        "id": "s",
        "verdict": Verdict.AC,
        "score": 0.0,
        "passed": passed,
        "total": len(tests),
        "tests": tests,
    }
    return SubmissionResult.model_validate({**base, **over})


def test_merge_reindexes_in_chunk_order_and_reports_the_first_failure():
    merged = merge_results(
        [part([Verdict.AC, Verdict.AC]), part([Verdict.AC, Verdict.TLE]), part([Verdict.WA])],
        stop_on_first_failure=False,
    )
    assert [t.index for t in merged.tests] == [0, 1, 2, 3, 4]
    assert merged.verdict is Verdict.TLE and merged.passed == 3 and merged.score == pytest.approx(0.6)


def test_merge_with_early_stop_skips_after_the_first_failure_even_in_later_chunks():
    merged = merge_results(
        [part([Verdict.AC, Verdict.WA]), part([Verdict.AC, Verdict.AC])], stop_on_first_failure=True
    )
    assert [t.verdict for t in merged.tests] == [Verdict.AC, Verdict.WA, Verdict.SK, Verdict.SK]
    assert merged.passed == 1


def test_merge_a_lost_chunk_is_se_for_its_tests_and_a_compile_error_is_ce():
    lost = part([], verdict=Verdict.SE, total=2, message="the judge lost part of this submission")
    merged = merge_results([part([Verdict.AC]), lost, part([Verdict.AC])], stop_on_first_failure=False)
    assert [t.verdict for t in merged.tests] == [Verdict.AC, Verdict.SE, Verdict.SE, Verdict.AC]
    assert merged.verdict is Verdict.SE and "lost" in merged.message
    ce = part([Verdict.SK, Verdict.SK], verdict=Verdict.CE, message="compilation error")
    merged = merge_results([ce, ce], stop_on_first_failure=False)
    assert merged.verdict is Verdict.CE and merged.passed == 0 and merged.total == 4


def test_a_chunk_whose_workers_all_died_ends_the_submission_with_se_for_its_tests(redis_url, sync_redis):
    sub = submission(15)

    async def admit():
        client = aioredis.Redis.from_url(redis_url)
        try:
            spec = build_job_spec(
                sub,
                submission_id="lost",
                digest=submission_digest(sub),
                retries=0,
                result_ttl_s=60,
                connection=client,
                chunk_tests=10,
                in_flight=2,
            )
            await Enqueuer(client).enqueue([spec], max_queue=10)
        finally:
            await client.aclose()

    async def state():
        client = aioredis.Redis.from_url(redis_url)
        try:
            return (await read_states(client, ["lost"]))[0]
        finally:
            await client.aclose()

    asyncio.run(admit())
    worker = JudgeWorker(
        name=f"test-chunks-{time.monotonic_ns()}",
        connection=sync_redis,
        lease_s=1,
        block_s=0.2,
        block_on=Priority.interactive,
        task=JudgeTask(engine=None, watchdog=Watchdog()),  # type: ignore[arg-type]  # performs no job
        stop=threading.Event(),
        result_ttl_s=60,
    )
    first, _ = worker.dequeue_job_and_maintain_ttl(None)
    second, _ = worker.dequeue_job_and_maintain_ttl(None)
    assert (first.id, second.id) == ("lost_c0", "lost_c1")
    # The second chunk ends normally; the first one's worker "dies" after starting it.
    done = part([Verdict.AC] * 5)
    assert not chunks.complete(sync_redis, second, done.model_dump_json(), result_ttl_s=60)
    worker.prepare_execution(first)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(first)
    worker.executions.clear()
    assert asyncio.run(state()).status is Status.queued  # not every chunk has a result yet
    time.sleep(1.1)
    assert Janitor(sync_redis, owner="j", lease_s=1, interval_s=0.1).sweep() == 1
    final = asyncio.run(state())
    assert final.status is Status.done
    result = SubmissionResult.model_validate_json(final.result_json)
    assert result.verdict is Verdict.SE and "lost part of this submission" in result.message
    assert [t.verdict for t in result.tests] == [Verdict.SE] * 10 + [Verdict.AC] * 5
    assert result.total == 15 and result.passed == 5
