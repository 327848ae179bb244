"""The RQ jobs of a submission: how the API describes them and how much time each may take.

A submission is one RQ job, unless it has more than `chunk_tests` tests: then it is split into
chunks of consecutive tests, each an ordinary RQ job that any worker may run, under a parent job
that no worker runs and that holds the merged result once every chunk is done (chunks.py). Only
the first `in_flight` chunks are queued at once; each finished chunk queues the next, so a large
submission never floods the queue ahead of later ones.

The API builds the jobs with RQ's own `Job` class (no I/O), so the hash it writes is exactly what
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

# The function name RQ stores in every job hash (it requires one). A judge worker never imports
# it: it hands each job its engine-bound `JudgeTask` (worker/job.py). It names that class, so
# `rq info` reads right and a stock `rq worker` fails the job instead of judging it without a sandbox.
JUDGE_FUNCTION = "xcoder_judge.service.worker.job.JudgeTask"
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
    push: bool = True  # put the id on its queue (False: a chunked parent, a chunk queued later)
    key: str = ""  # the hash to write when it is not the RQ job hash of `job_id`
    children: tuple[JobSpec, ...] = ()  # a chunked submission's state hash and chunks

    @property
    def hash_key(self) -> str:
        return self.key or keys.job_key(self.job_id)

    def flattened(self) -> list[JobSpec]:
        """This hash and its children's, in the order they are written."""
        return [self, *self.children]


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


def chunk_job_id(parent_job_id: str, index: int) -> str:
    """`<parent>_c<k>`: no client id maps to it (a client's `_` is escaped as `_5F`)."""
    return f"{parent_job_id}_c{index}"


def build_job_spec(
    submission: Submission,
    *,
    submission_id: str,
    digest: str,
    retries: int,
    result_ttl_s: int,
    connection: Any,
    chunk_tests: int = 0,
    in_flight: int = 4,
    tenant: str | None = None,
) -> JobSpec:
    """The RQ job(s) for `submission` (already validated, language canonical).

    With `chunk_tests` > 0 and more tests than that, a parent and its chunks (module docstring).
    `tenant` scopes the job ids (ids.py) and is the caller whose turn the jobs take on the slots.
    `connection` is only stored on the `Job` objects; building the hashes does no I/O.
    """
    job_id = job_id_for(submission_id, tenant)
    full = submission.model_copy(update={"id": submission_id})
    n = len(submission.tests)
    meta: dict[str, Any] = {"language": submission.language, "tests": n, "retries": retries}
    if tenant is not None:
        meta["caller"] = tenant  # whose turn it takes on the slots (the worker's FairQueue)
    if chunk_tests <= 0 or n <= chunk_tests:
        fields = _job_fields(full, job_id, full.model_dump_json(), meta, retries, result_ttl_s, connection)
        fields[DIGEST_FIELD] = digest
        return JobSpec(
            submission_id=submission_id,
            job_id=job_id,
            priority=submission.priority,
            digest=digest,
            fields=fields,
        )
    count = math.ceil(n / chunk_tests)
    parent_fields = _job_fields(full, job_id, "", {**meta, "chunks": count}, 0, result_ttl_s, connection)
    parent_fields[DIGEST_FIELD] = digest
    state = JobSpec(
        submission_id=submission_id,
        job_id=job_id,
        priority=submission.priority,
        digest=digest,
        fields={"next": min(count, in_flight), "count": count, DIGEST_FIELD: digest},
        push=False,
        key=keys.chunk_state_key(job_id),
    )
    chunks: list[JobSpec] = []
    for k in range(count):
        offset = k * chunk_tests
        part = full.model_copy(update={"tests": full.tests[offset : offset + chunk_tests]})
        chunk_id = chunk_job_id(job_id, k)
        chunk_meta = {
            **meta,
            "tests": len(part.tests),
            "parent": job_id,
            "chunk": k,
            "chunks": count,
            "offset": offset,
        }
        fields = _job_fields(
            part, chunk_id, part.model_dump_json(), chunk_meta, retries, result_ttl_s, connection
        )
        fields[DIGEST_FIELD] = digest
        chunks.append(
            JobSpec(
                submission_id=submission_id,
                job_id=chunk_id,
                priority=submission.priority,
                digest=digest,
                fields=fields,
                push=k < in_flight,
            )
        )
    return JobSpec(
        submission_id=submission_id,
        job_id=job_id,
        priority=submission.priority,
        digest=digest,
        fields=parent_fields,
        push=False,
        children=(state, *chunks),
    )


def _job_fields(
    submission: Submission,
    job_id: str,
    payload: str,
    meta: dict[str, Any],
    retries: int,
    result_ttl_s: int,
    connection: Any,
) -> dict[str, Any]:
    job = Job.create(
        JUDGE_FUNCTION,
        args=[payload],
        connection=connection,
        id=job_id,
        origin=keys.queue_name(submission.priority),
        timeout=job_timeout_s(submission),
        result_ttl=result_ttl_s,
        failure_ttl=result_ttl_s,
        serializer=SERIALIZER,
        status=JobStatus.QUEUED,
        description=f"judge {submission.id}",
        retry=Retry(max=retries, enqueue_at_front=True) if retries > 0 else None,
        meta=meta,
    )
    job.enqueued_at = now()
    return job.to_dict()
