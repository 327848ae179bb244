"""One RQ job per submission: how the API describes it and how much time it may take.

The API builds the job with RQ's own `Job` class (no I/O), so the hash it writes is exactly what
RQ's workers read. Jobs are JSON-serialized, never pickled: the API process must not unpickle
anything a Redis client could have written.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from rq.job import Job, JobStatus, Retry
from rq.serializers import JSONSerializer
from rq.utils import now
from xcoder_wire.schemas import Priority, ProgramChecker, Submission

from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import job_id_for

# The function RQ calls on a worker, by import path (the API never imports it).
JUDGE_FUNCTION = "xcoder_judge.service.worker.job.judge_submission"
SERIALIZER = JSONSerializer

# Extra field on the RQ job hash (RQ ignores unknown fields): the content digest that makes a
# reused client id with a different submission a conflict instead of a silently wrong answer.
DIGEST_FIELD = "xcoder_digest"

# Slack on top of the serial worst case, for queueing inside the worker and checking.
_TIMEOUT_SLACK_S = 60


@dataclass(frozen=True, slots=True)
class JobSpec:
    submission_id: str
    job_id: str
    priority: Priority
    digest: str
    fields: dict[str, Any]  # the RQ job hash, ready for HSET


def submission_digest(submission: Submission) -> str:
    """What a submission asks for, independent of its id and priority."""
    canonical = submission.model_dump_json(exclude={"id", "priority"})
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_timeout_s(submission: Submission) -> int:
    """A backstop far beyond any honest run: every compile and every test one after another.

    The engine enforces each test's limits itself; this only bounds a judge that hangs.
    """
    compile_s = submission.compile_limits.time_s * 3
    if isinstance(submission.checker, ProgramChecker):
        compile_s *= 2
    if submission.interactor is not None:
        compile_s *= 2
    per_test = submission.limits.effective_wall_s
    if isinstance(submission.checker, ProgramChecker) or submission.interactor is not None:
        per_test *= 2
    per_test *= submission.passes  # multi-pass: each pass is a run (and a validator run)
    return math.ceil(compile_s + per_test * len(submission.tests)) + _TIMEOUT_SLACK_S


def build_job_spec(
    submission: Submission,
    *,
    submission_id: str,
    digest: str,
    retries: int,
    result_ttl_s: int,
    connection: Any,
) -> JobSpec:
    """The RQ job for `submission` (already validated, language canonical).

    `connection` is only stored on the `Job` object; building the hash does no I/O.
    """
    job_id = job_id_for(submission_id)
    queue_name = keys.queue_name(submission.priority)
    payload = submission.model_copy(update={"id": submission_id}).model_dump_json()
    job = Job.create(
        JUDGE_FUNCTION,
        args=[payload],
        connection=connection,
        id=job_id,
        origin=queue_name,
        timeout=job_timeout_s(submission),
        result_ttl=result_ttl_s,
        failure_ttl=result_ttl_s,
        serializer=SERIALIZER,
        status=JobStatus.QUEUED,
        description=f"judge {submission_id}",
        retry=Retry(max=retries, enqueue_at_front=True) if retries > 0 else None,
        meta={"language": submission.language, "tests": len(submission.tests), "retries": retries},
    )
    job.enqueued_at = now()
    fields = job.to_dict()
    fields[DIGEST_FIELD] = digest
    return JobSpec(
        submission_id=submission_id, job_id=job_id, priority=submission.priority, digest=digest, fields=fields
    )
