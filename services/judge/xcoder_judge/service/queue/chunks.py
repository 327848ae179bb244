"""Chunked submissions (worker side): record a chunk's result, queue the next chunk, merge.

A chunk is an ordinary RQ job (leases, re-runs after a worker dies, retries all hold). When one
ends, `complete` records its result under the parent, queues the next chunk not queued yet and,
if every chunk has a result, writes the merged result as the parent's RQ result and announces
it. All of it is idempotent: a chunk re-run after its worker died records the same result
again, the `next` counter hands each chunk index out once, and a merge repeated by a re-run
writes the same result.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq.job import Job, JobStatus
from rq.results import Result
from rq.utils import now, utcformat
from xcoder_wire.schemas import Submission, SubmissionResult, TestResult, Verdict
from xcoder_wire.verdicts import overall_verdict

from xcoder_judge.service.metrics.record import record_job
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import tenant_of
from xcoder_judge.service.queue.jobspec import SERIALIZER, chunk_job_id
from xcoder_judge.service.queue.notify import publish_done

log = logging.getLogger("xcoder_judge.chunks")

# KEYS: [1] state hash, [2] results hash, [3] the queue list.
# ARGV: [1] chunk index, [2] its result JSON, [3] 1 if it failed a test, [4] parent job id.
# Records the result, lowers `stop` to this index if it failed, queues the next chunk.
# Returns 1 when every chunk has a result (the caller merges), else 0.
_COMPLETE_LUA = """
local k = tonumber(ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '1' then
  local stop = redis.call('HGET', KEYS[1], 'stop')
  if not stop or tonumber(stop) > k then redis.call('HSET', KEYS[1], 'stop', k) end
end
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local nxt = redis.call('HINCRBY', KEYS[1], 'next', 1) - 1
if nxt < count then redis.call('RPUSH', KEYS[3], ARGV[4] .. '_c' .. nxt) end
if redis.call('HLEN', KEYS[2]) >= count then return 1 end
return 0
"""

# KEYS: [1] the parent job hash. Marks it started while it is still queued (never after done).
_START_LUA = """
if redis.call('HGET', KEYS[1], 'status') == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'started')
end
return 0
"""


def parent_of(job: Job) -> str | None:
    parent = job.meta.get("parent")
    return str(parent) if parent else None


def mark_started(connection: redis.Redis, parent_job_id: str) -> None:
    connection.eval(_START_LUA, 1, keys.job_key(parent_job_id))


def stopped_before(connection: redis.Redis, parent_job_id: str, index: int) -> bool:
    """True when an earlier chunk already failed a test (for `stop_on_first_failure`)."""
    stop = connection.hget(keys.chunk_state_key(parent_job_id), "stop")
    return stop is not None and int(stop) < index


def skipped(submission: Submission, submission_id: str, language: str) -> SubmissionResult:
    """A chunk after the first failure: every test SK, nothing run."""
    tests = [TestResult(index=i, id=t.id, verdict=Verdict.SK) for i, t in enumerate(submission.tests)]
    return SubmissionResult(
        id=submission_id,
        verdict=Verdict.AC,
        score=0.0,
        passed=0,
        total=len(tests),
        tests=tests,
        language=language,
    )


def complete(connection: redis.Redis, job: Job, result_json: str, *, result_ttl_s: int) -> bool:
    """Record chunk `job`'s result; merge into the parent if it was the last. True if merged."""
    parent = parent_of(job)
    assert parent is not None
    result = SubmissionResult.model_validate_json(result_json)
    failed = result.verdict is not Verdict.AC
    index = int(job.meta["chunk"])
    last = connection.eval(
        _COMPLETE_LUA,
        3,
        keys.chunk_state_key(parent),
        keys.chunk_results_key(parent),
        keys.queue_key(keys.priority_of_queue(job.origin)),
        index,
        result_json,
        1 if failed else 0,
        parent,
    )
    if not last:
        return False
    merge(connection, parent, result_ttl_s=result_ttl_s)
    return True


def merge(connection: redis.Redis, parent_job_id: str, *, result_ttl_s: int) -> SubmissionResult:
    """Write the merged result as the parent job's RQ result and announce it."""
    raw = connection.hgetall(keys.chunk_results_key(parent_job_id))
    parts = {int(k): SubmissionResult.model_validate_json(v) for k, v in raw.items()}
    parent_job = Job(parent_job_id, connection=connection, serializer=SERIALIZER)
    stop_on_first_failure = _stop_on_first_failure(connection, parent_job_id)
    merged = merge_results([parts[k] for k in sorted(parts)], stop_on_first_failure=stop_on_first_failure)
    text = merged.model_dump_json()
    with connection.pipeline() as pipe:
        pipe.hset(
            keys.job_key(parent_job_id),
            mapping={"status": JobStatus.FINISHED.value, "ended_at": utcformat(now())},
        )
        Result.create(parent_job, Result.Type.SUCCESSFUL, ttl=result_ttl_s, return_value=text, pipeline=pipe)
        for key in (
            keys.job_key(parent_job_id),
            keys.chunk_state_key(parent_job_id),
            keys.chunk_results_key(parent_job_id),
        ):
            pipe.expire(key, result_ttl_s)
        record_job(
            pipe,
            verdict=merged.verdict.value,
            language=merged.language,
            priority=_priority_of_job(connection, parent_job_id),
            tenant=tenant_of(parent_job_id),
            queue_wait_s=None,
            judge_s=None,
        )
        publish_done(pipe, parent_job_id, text)
        pipe.execute()
    return merged


def _priority_of_job(connection: redis.Redis, job_id: str) -> str | None:
    """The priority of the queue a job was enqueued on (its RQ `origin`); None when unknown."""
    origin = connection.hget(keys.job_key(job_id), "origin")
    try:
        return keys.priority_of_queue(origin.decode()).value if origin else None
    except KeyError:
        return None


def _stop_on_first_failure(connection: redis.Redis, parent_job_id: str) -> bool:
    """The submission's flag, read from its first chunk's payload."""
    try:
        first = Job.fetch(chunk_job_id(parent_job_id, 0), connection=connection, serializer=SERIALIZER)
        return Submission.model_validate_json(first.args[0]).stop_on_first_failure
    except Exception:  # the chunk expired: the results already carry the SKs
        return False


def merge_results(parts: list[SubmissionResult], *, stop_on_first_failure: bool) -> SubmissionResult:
    """One result from the chunks' results, in chunk order, as the unchunked judge would give.

    A chunk that failed as a whole (no per-test results: the judge broke, or its workers died)
    contributes SE for each of its tests.
    """
    first = parts[0]
    compile_failed = next((p for p in parts if p.verdict is Verdict.CE), None)
    tests: list[TestResult] = []
    for part in parts:
        offset = len(tests)
        if part.tests:
            tests.extend(t.model_copy(update={"index": offset + i}) for i, t in enumerate(part.tests))
        else:
            tests.extend(
                TestResult(index=offset + i, verdict=Verdict.SE, message=part.message)
                for i in range(part.total)
            )
    if stop_on_first_failure:
        cut = next((t.index for t in tests if t.verdict not in (Verdict.AC, Verdict.SK)), len(tests))
        for t in tests[cut + 1 :]:
            tests[t.index] = TestResult(index=t.index, id=t.id, verdict=Verdict.SK)
    passed = sum(1 for t in tests if t.verdict is Verdict.AC)
    base: dict[str, Any] = {
        "id": first.id,
        "total": len(tests),
        "tests": tests,
        "language": first.language,
        "compile": first.compile,
        "attempts": max(p.attempts for p in parts),
    }
    rejected = next((p for p in parts if p.rejection is not None), None)
    if rejected is not None:  # every chunk compiles the same checker: refused as a whole
        return rejected.model_copy(update={"total": len(tests), "attempts": base["attempts"]})
    if compile_failed is not None:
        skipped_tests = [t.model_copy(update={"verdict": Verdict.SK}) for t in tests]
        return SubmissionResult(
            verdict=Verdict.CE,
            score=0.0,
            passed=0,
            message=compile_failed.message,
            **{**base, "tests": skipped_tests, "compile": compile_failed.compile},
        )
    message = next((p.message for p in parts if p.message), "")
    return SubmissionResult(
        verdict=overall_verdict(tests),
        score=passed / len(tests) if tests else 0.0,
        passed=passed,
        message=message,
        **base,
    )
