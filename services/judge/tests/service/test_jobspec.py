"""The API builds RQ jobs that RQ's worker side reads back exactly (without any I/O)."""

from __future__ import annotations

import json
import zlib

from rq.job import Job, JobStatus
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.jobspec import (
    DIGEST_FIELD,
    JUDGE_FUNCTION,
    SERIALIZER,
    build_job_spec,
    job_timeout_s,
    submission_digest,
)
from xcoder_wire.schemas import Priority, Submission


def submission(**over) -> Submission:
    base = {"language": "python3", "source": "print(input())", "tests": [{"input": "1", "expected": "1"}]}
    return Submission.model_validate({**base, **over})


def test_job_hash_restores_as_an_rq_job_with_the_submission(sync_redis):
    sub = submission(priority="bulk")
    spec = build_job_spec(
        sub, submission_id="my.id", digest="d1", retries=2, result_ttl_s=100, connection=sync_redis
    )
    assert spec.job_id == "my_2Eid" and spec.priority is Priority.bulk and spec.fields[DIGEST_FIELD] == "d1"
    # Stored as RQ would store it, then read back by RQ.
    sync_redis.hset(keys.job_key(spec.job_id), mapping=spec.fields)
    job = Job.fetch(spec.job_id, connection=sync_redis, serializer=SERIALIZER)
    assert job.func_name == JUDGE_FUNCTION
    assert job.get_status() is JobStatus.QUEUED
    assert job.origin == keys.queue_name(Priority.bulk)
    assert job.retries_left == 2 and job.enqueue_at_front_on_retry
    assert job.result_ttl == 100 and job.failure_ttl == 100
    assert job.timeout == job_timeout_s(sub)
    assert job.meta == {"language": "python3", "tests": 1, "retries": 2}
    (payload,) = job.args
    restored = Submission.model_validate_json(payload)
    assert restored.id == "my.id" and restored.source == sub.source


def test_jobs_are_json_never_pickle(sync_redis):
    spec = build_job_spec(
        submission(), submission_id="x", digest="", retries=0, result_ttl_s=10, connection=sync_redis
    )
    data = json.loads(zlib.decompress(spec.fields["data"]))
    assert data[0] == JUDGE_FUNCTION
    assert "retries_left" not in spec.fields  # no retries asked, none granted


def test_digest_ignores_id_and_priority_but_not_content():
    a = submission(id="a", priority="bulk")
    assert submission_digest(a) == submission_digest(submission(id="b", priority="interactive"))
    assert submission_digest(a) != submission_digest(submission(source="print(2)"))
    assert submission_digest(a) != submission_digest(submission(limits={"time_s": 3}))


def test_timeout_backstop_grows_with_tests_and_limits():
    one = job_timeout_s(submission())
    many = job_timeout_s(submission(tests=[{"input": "1"}] * 50))
    slow = job_timeout_s(submission(limits={"time_s": 10}))
    assert one < many and one < slow
    assert one > 3 * 2 + 1  # beyond one test's wall backstop
    kattis = {"kind": "program", "language": "python3", "source": "x", "protocol": "kattis"}
    single = job_timeout_s(submission(checker=kattis))
    assert job_timeout_s(submission(checker=kattis, passes=3)) > single + 2 * (2 * 2 + 1)  # 3 runs a test
