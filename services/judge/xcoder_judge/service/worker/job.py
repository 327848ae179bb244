"""The job function RQ runs for every submission.

It never raises: whatever goes wrong inside the judge comes back as a result with verdict SE
(the judge's own failure, for the client to retry), never as a wrong answer and never as an RQ
failure. RQ retries are kept for workers that die mid-job.
"""

from __future__ import annotations

import logging
import time

from rq import get_current_job
from rq.job import Job
from xcoder_wire.schemas import Submission, SubmissionResult, Verdict

from xcoder_judge.service.queue import chunks
from xcoder_judge.service.worker import runtime

log = logging.getLogger("xcoder_judge.worker.job")


def judge_submission(payload: str) -> str:
    """Judge one submission or chunk (the API's JSON) and return the SubmissionResult JSON.

    A chunk's result is also recorded under its parent, which it completes if it is the last
    (queue/chunks.py); metrics count the parent once, not each chunk.
    """
    rt = runtime.current()
    job = get_current_job()
    submission = Submission.model_validate_json(payload)
    submission_id = submission.id or (job.id if job else "")
    parent = chunks.parent_of(job) if job is not None else None
    start = time.perf_counter()
    timeout_s = float(job.timeout) if job is not None and job.timeout else 3600.0
    if job is not None and parent is not None:
        chunks.mark_started(job.connection, parent)
    with rt.watchdog.guard(job.id if job else submission_id, timeout_s) as cancel:
        try:
            if (
                job is not None
                and parent is not None
                and submission.stop_on_first_failure
                and chunks.stopped_before(job.connection, parent, int(job.meta["chunk"]))
            ):
                result = chunks.skipped(submission, submission_id, submission.language)
            else:
                result = rt.engine.judge(submission, cancel=cancel, caller=_caller(job))
        except ValueError as exc:
            result = _system_error(submission, f"cannot judge this submission here: {exc}")
        except Exception as exc:
            log.exception("job %s: the engine raised", submission_id)
            result = _system_error(
                submission, f"internal judge error ({type(exc).__name__}); see the worker log"
            )
    judge_s = time.perf_counter() - start
    result.id = submission_id
    if job is not None:
        result.attempts = _attempt(job)
    if job is not None and parent is None:
        rt.outcomes.put(
            job.id,
            runtime.Outcome(
                verdict=result.verdict.value,
                language=result.language or submission.language,
                queue_wait_s=_queue_wait_s(job),
                judge_s=judge_s,
            ),
        )
    text = result.model_dump_json()
    if job is not None and parent is not None:
        chunks.complete(job.connection, job, text, result_ttl_s=job.result_ttl or 3600)
    return text


def _system_error(submission: Submission, message: str) -> SubmissionResult:
    return SubmissionResult(
        id=submission.id or "",
        verdict=Verdict.SE,
        score=0.0,
        passed=0,
        total=len(submission.tests),
        language=submission.language,
        message=message,
    )


def _caller(job: Job | None) -> str | None:
    """Whose turn on the slots this job takes: the API key's fingerprint when known, else the
    chunked submission it belongs to (its chunks share one turn, as one submission would)."""
    if job is None:
        return None
    caller = job.meta.get("caller") or job.meta.get("parent")
    return str(caller) if caller else None


def _attempt(job: Job) -> int:
    """1 for the first run, 2 after one re-run because a worker died, …"""
    granted = int(job.meta.get("retries", 0))
    left = job.retries_left if job.retries_left is not None else granted
    return 1 + max(0, granted - left)


def _queue_wait_s(job: Job) -> float | None:
    if job.enqueued_at is None or job.started_at is None:
        return None
    return (job.started_at - job.enqueued_at).total_seconds()
