"""Admission, idempotency and state reads against a real Redis (API side, async)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis
from rq.job import Job, JobStatus
from rq.job_lifecycle import record_job_failure
from rq.results import Result
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.enqueue import Enqueuer, IdConflict, QueueFull
from xcoder_judge.service.queue.jobspec import SERIALIZER, build_job_spec, submission_digest
from xcoder_judge.service.queue.state import read_states
from xcoder_wire.schemas import JobStatus as Status
from xcoder_wire.schemas import Priority, Submission, SubmissionEnvelope, SubmissionResult, Verdict


def sub(source: str = "print(1)", **over) -> Submission:
    return Submission.model_validate(
        {"language": "python3", "source": source, "tests": [{"input": ""}], **over}
    )


def spec_of(s: Submission, sid: str, client: aioredis.Redis, retries: int = 2):
    return build_job_spec(
        s, submission_id=sid, digest=submission_digest(s), retries=retries, result_ttl_s=60, connection=client
    )


def with_client(redis_url: str, body):
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        try:
            return await body(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def test_new_jobs_are_written_and_pushed_once(redis_url, sync_redis):
    async def body(client):
        enq = Enqueuer(client)
        specs = [spec_of(sub(), "a", client), spec_of(sub(priority="bulk"), "b", client)]
        assert await enq.enqueue(specs, max_queue=10) == [True, True]
        # Same submissions again: found, not enqueued a second time.
        assert await enq.enqueue(specs, max_queue=10) == [False, False]

    with_client(redis_url, body)
    assert sync_redis.lrange(keys.queue_key(Priority.interactive), 0, -1) == [b"a"]
    assert sync_redis.lrange(keys.queue_key(Priority.bulk), 0, -1) == [b"b"]
    assert Job.fetch("a", connection=sync_redis, serializer=SERIALIZER).get_status() is JobStatus.QUEUED


def test_a_reused_id_with_other_content_is_a_conflict_and_writes_nothing(redis_url, sync_redis):
    async def body(client):
        enq = Enqueuer(client)
        await enq.enqueue([spec_of(sub(), "same", client)], max_queue=10)
        batch = [spec_of(sub(), "fresh", client), spec_of(sub("print(2)"), "same", client)]
        with pytest.raises(IdConflict) as err:
            await enq.enqueue(batch, max_queue=10)
        assert err.value.submission_ids == ["same"]

    with_client(redis_url, body)
    assert not sync_redis.exists(keys.job_key("fresh"))
    assert sync_redis.llen(keys.queue_key(Priority.interactive)) == 1


def test_one_id_twice_in_a_batch(redis_url, sync_redis):
    async def body(client):
        enq = Enqueuer(client)
        same = [spec_of(sub(), "twice", client), spec_of(sub(), "twice", client)]
        assert await enq.enqueue(same, max_queue=10) == [True, False]
        with pytest.raises(IdConflict):
            await enq.enqueue(
                [spec_of(sub(), "t2", client), spec_of(sub("print(3)"), "t2", client)], max_queue=10
            )

    with_client(redis_url, body)
    assert sync_redis.llen(keys.queue_key(Priority.interactive)) == 1
    assert not sync_redis.exists(keys.job_key("t2"))


def test_the_bound_counts_both_queues_and_admits_all_or_nothing(redis_url, sync_redis):
    async def body(client):
        enq = Enqueuer(client)
        await enq.enqueue(
            [spec_of(sub(), "i1", client), spec_of(sub(priority="bulk"), "b1", client)], max_queue=3
        )
        with pytest.raises(QueueFull) as full:
            await enq.enqueue([spec_of(sub(), "x1", client), spec_of(sub(), "x2", client)], max_queue=3)
        assert full.value.depth == 2 and full.value.limit == 3
        # Resubmitting what is already queued needs no room.
        assert await enq.enqueue([spec_of(sub(), "i1", client)], max_queue=2) == [False]
        assert await enq.enqueue([spec_of(sub(), "x1", client)], max_queue=3) == [True]

    with_client(redis_url, body)
    assert not sync_redis.exists(keys.job_key("x2"))
    assert sync_redis.llen(keys.queue_key(Priority.interactive)) == 2


def _finish(sync_redis, job_id: str, result: SubmissionResult) -> None:
    job = Job.fetch(job_id, connection=sync_redis, serializer=SERIALIZER)
    job.set_status(JobStatus.FINISHED)
    Result.create(job, Result.Type.SUCCESSFUL, ttl=60, return_value=result.model_dump_json())


def test_states_follow_the_job_through_rq(redis_url, sync_redis):
    async def enqueue(client):
        await Enqueuer(client).enqueue(
            [spec_of(sub(), "q", client), spec_of(sub(), "r", client), spec_of(sub(), "d", client)],
            max_queue=10,
        )

    with_client(redis_url, enqueue)
    Job.fetch("r", connection=sync_redis, serializer=SERIALIZER).set_status(JobStatus.STARTED)
    done = SubmissionResult(id="d", verdict=Verdict.AC, score=1.0, passed=1, total=1, language="python3")
    _finish(sync_redis, "d", done)

    async def read(client):
        return await read_states(client, ["q", "r", "d", "missing"])

    q, r, d, missing = with_client(redis_url, read)
    assert (q.status, r.status, d.status) == (Status.queued, Status.running, Status.done)
    assert missing is None
    assert SubmissionResult.model_validate_json(d.result_json) == done
    envelope = SubmissionEnvelope.model_validate_json(d.envelope_json())
    assert envelope.id == "d" and envelope.result == done
    assert json.loads(q.envelope_json()) == {"id": "q", "status": "queued", "result": None}


def test_a_job_rq_gave_up_on_reads_as_system_error_never_a_verdict(redis_url, sync_redis):
    async def enqueue(client):
        await Enqueuer(client).enqueue([spec_of(sub(), "lost.one", client, retries=2)], max_queue=10)

    with_client(redis_url, enqueue)
    job = Job.fetch("lost_2Eone", connection=sync_redis, serializer=SERIALIZER)
    with sync_redis.pipeline() as pipe:
        record_job_failure(job, "Moved to FailedJobRegistry, due to AbandonedJobError", pipe)
        pipe.execute()
    (state,) = with_client(redis_url, lambda c: read_states(c, ["lost_2Eone"]))
    assert state.submission_id == "lost.one" and state.status is Status.done
    result = SubmissionResult.model_validate_json(state.result_json)
    assert result.verdict is Verdict.SE and result.passed == 0 and result.total == 1
    assert result.attempts == 3 and "stopped responding" in result.message
