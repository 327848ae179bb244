"""What a worker thread runs for every submission: the judge task, handed to the job it runs.

The engine is not looked up: the worker process builds one `JudgeTask` over its engine and
watchdog and gives it to each `JudgeJob` it dequeues (`JudgeJob.func` is that task). What the
finishing pipeline records (the metrics outcome, the result text) comes back on the job object,
not through a module-level side channel.

The task never raises: whatever goes wrong inside the judge comes back as a result with
verdict SE (the judge's own failure, for the client to retry), never as a wrong answer and
never as an RQ failure. A submission the judge refuses to run as sent (its checker or
interactor does not compile: `SubmissionRejected`) comes back as verdict SE with `rejection`
set (the field and the compiler output), which no retry can change. RQ retries are kept
for workers that die mid-job.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rq.job import Job
from rq.registry import FinishedJobRegistry, StartedJobRegistry
from xcoder_wire.schemas import Rejection, Submission, SubmissionResult, Verdict

from xcoder_judge.engine.judge import SubmissionRejected
from xcoder_judge.service.queue import chunks
from xcoder_judge.service.worker.watchdog import Watchdog

log = logging.getLogger("xcoder_judge.worker.job")


class JudgeEngine(Protocol):
    """What the worker needs from `xcoder_judge.engine.Engine`."""

    def judge(
        self, submission: Submission, *, cancel: threading.Event | None = None, caller: str | None = None
    ) -> SubmissionResult: ...

    @property
    def slots_total(self) -> int: ...

    @property
    def slots_busy(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the finishing pipeline records about a submission the task completed."""

    verdict: str
    language: str
    queue_wait_s: float | None
    judge_s: float


@dataclass(frozen=True, slots=True)
class JobRegistries:
    """A queue's started and finished registries, built once by the worker for all its jobs."""

    started: StartedJobRegistry
    finished: FinishedJobRegistry


class JudgeJob(Job):
    """An RQ job as a judge worker runs it.

    RQ stores a function name in every job hash; a judge worker never imports it. It sets
    `task` before running the job, and the task leaves `result_text` and (for a whole
    submission, not a chunk) `outcome` on the job for the finishing pipeline.

    RQ builds a new registry object each time it asks a job for one (a start, a finish, every
    lease renewal), each resolving the serializer again (a slow runtime `Protocol` check); the
    worker hands the job its queue's `registries` instead, the same objects RQ would build.
    """

    task: Callable[[JudgeJob, str], str] | None = None
    result_text: str | None = None
    outcome: Outcome | None = None
    registries: JobRegistries | None = None

    @property
    def func(self) -> Callable[[str], str]:
        if self.task is None:
            raise RuntimeError("judge jobs run only inside `xcoder-judge worker` (no task handed to the job)")
        return functools.partial(self.task, self)

    @property
    def started_job_registry(self) -> StartedJobRegistry:
        if self.registries is not None and self.registries.started.name == self.origin:
            return self.registries.started
        return super().started_job_registry

    @property
    def finished_job_registry(self) -> FinishedJobRegistry:
        if self.registries is not None and self.registries.finished.name == self.origin:
            return self.registries.finished
        return super().finished_job_registry


@dataclass(frozen=True, slots=True)
class JudgeTask:
    """Judge one submission or chunk (the API's JSON) on `engine`; return the SubmissionResult JSON.

    A chunk's result is also recorded under its parent, which it completes if it is the last
    (queue/chunks.py); metrics count the parent once, not each chunk.
    """

    engine: JudgeEngine
    watchdog: Watchdog

    def __call__(self, job: JudgeJob, payload: str) -> str:
        submission = Submission.model_validate_json(payload)
        submission_id = submission.id or job.id
        parent = chunks.parent_of(job)
        start = time.perf_counter()
        timeout_s = float(job.timeout) if job.timeout else 3600.0
        if parent is not None:
            chunks.mark_started(job.connection, parent)
        with self.watchdog.guard(job.id, timeout_s) as cancel:
            try:
                if (
                    parent is not None
                    and submission.stop_on_first_failure
                    and chunks.stopped_before(job.connection, parent, int(job.meta["chunk"]))
                ):
                    result = chunks.skipped(submission, submission_id, submission.language)
                else:
                    result = self.engine.judge(submission, cancel=cancel, caller=_caller(job))
            except SubmissionRejected as exc:
                result = rejected_result(submission, exc)
            except ValueError as exc:
                result = _system_error(submission, f"cannot judge this submission here: {exc}")
            except Exception as exc:
                log.exception("job %s: the engine raised", submission_id)
                result = _system_error(
                    submission, f"internal judge error ({type(exc).__name__}); see the worker log"
                )
        judge_s = time.perf_counter() - start
        result.id = submission_id
        result.attempts = _attempt(job)
        if parent is None:
            job.outcome = Outcome(
                verdict=result.verdict.value,
                language=result.language or submission.language,
                queue_wait_s=_queue_wait_s(job),
                judge_s=judge_s,
            )
        text = result.model_dump_json()
        job.result_text = text
        if parent is not None:
            chunks.complete(job.connection, job, text, result_ttl_s=job.result_ttl or 3600)
        return text


def rejected_result(submission: Submission, exc: SubmissionRejected) -> SubmissionResult:
    """The judge will not run this submission as sent: SE (nothing scored) with the reason."""
    message = f"rejected: the {exc.field} does not compile; fix it and submit again"
    result = _system_error(submission, message)
    result.rejection = Rejection(field=exc.field, message=message, compiler_output=exc.compiler_output)
    return result


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


def _caller(job: Job) -> str | None:
    """Whose turn on the slots this job takes: the API key's fingerprint when known, else the
    chunked submission it belongs to (its chunks share one turn, as one submission would)."""
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
