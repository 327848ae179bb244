"""Read where submissions stand, in one round trip for any number of them (API side).

Finished results are stored by RQ as the job's return value: the SubmissionResult JSON text.
It is passed to the client as is, never re-parsed and re-serialized on the hot path. The result
stream's entries are decoded by RQ's own public `Result.restore`, not by hand. A job RQ
marked failed (its workers died on every attempt, or the judge broke) is reported as a done
submission with verdict SE, never as a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from rq.job import JobStatus as RQStatus
from rq.results import Result
from xcoder_wire.schemas import JobStatus, SubmissionResult, Verdict

from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import submission_id_for
from xcoder_judge.service.queue.jobspec import SERIALIZER

_RUNNING = {RQStatus.STARTED.value}
_FINISHED = {RQStatus.FINISHED.value}
_FAILED = {RQStatus.FAILED.value, RQStatus.STOPPED.value, RQStatus.CANCELED.value}
TERMINAL = _FINISHED | _FAILED


@dataclass(frozen=True, slots=True)
class JobState:
    submission_id: str
    status: JobStatus
    result_json: str | None  # SubmissionResult JSON once done

    def envelope_json(self) -> str:
        """The SubmissionEnvelope, spliced around the stored result text."""
        result = self.result_json if self.result_json is not None else "null"
        return f'{{"id":{json.dumps(self.submission_id)},"status":"{self.status.value}","result":{result}}}'


def is_terminal(rq_status: bytes | str | None) -> bool:
    """True when the job ended, or is gone (expired or never existed): nothing more will happen."""
    if rq_status is None:
        return True
    value = rq_status.decode() if isinstance(rq_status, bytes) else rq_status
    return value in TERMINAL


async def read_states(redis: aioredis.Redis, job_ids: Sequence[str]) -> list[JobState | None]:
    """States of `job_ids` in order; None for a job that does not exist (unknown or expired)."""
    if not job_ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hmget(keys.job_key(job_id), "status", "meta")
            pipe.xrevrange(keys.result_key(job_id), "+", "-", count=1)
        replies = await pipe.execute()
    return [_state(job_id, replies[2 * i], replies[2 * i + 1]) for i, job_id in enumerate(job_ids)]


def _state(job_id: str, fields: list[bytes | None], stream: list) -> JobState | None:
    raw_status, raw_meta = fields
    if raw_status is None:
        return None
    status = raw_status.decode()
    submission_id = submission_id_for(job_id)
    if status in _RUNNING:
        return JobState(submission_id, JobStatus.running, None)
    if status not in TERMINAL:
        return JobState(submission_id, JobStatus.queued, None)
    payload = stream[0][1] if stream else {}
    stored = _restore(job_id, stream[0][0] if stream else b"0-0", payload)
    finished = status in _FINISHED and stored is not None and stored.type == Result.Type.SUCCESSFUL
    if finished and isinstance(stored.return_value, str):  # type: ignore[union-attr]
        return finished_state(submission_id, stored.return_value)  # type: ignore[union-attr]
    if status in _FINISHED:
        # The job hash outlived its result stream by a moment: the result has expired.
        return None
    meta = json.loads(raw_meta) if raw_meta else {}
    return JobState(submission_id, JobStatus.done, failed_result_json(submission_id, meta, payload))


def finished_state(submission_id: str, result_json: str | None) -> JobState:
    """A stored result's state: `rejected` when the judge refused the submission as sent.

    Found without parsing the (possibly large) text: only `SubmissionResult` has a `rejection`
    key, and inside a JSON string its quotes would be escaped.
    """
    rejected = result_json is not None and '"rejection":{' in result_json
    return JobState(submission_id, JobStatus.rejected if rejected else JobStatus.done, result_json)


def failed_result_json(submission_id: str, meta: dict, payload: dict) -> str:
    """The SE result of a job RQ gave up on, built from what the API enqueued with it."""
    retries = int(meta.get("retries", 0))
    stored = _restore(submission_id, "0-0", payload)
    exc = (stored.exc_string or "") if stored is not None else ""
    if "AbandonedJobError" in exc or "intermediate queue" in exc:
        message = (
            f"the judge lost this submission: the worker running it stopped responding on all "
            f"{retries + 1} attempt(s); resubmit it"
        )
    else:
        message = "the judge failed to run this submission (see the worker log); resubmit it"
    result = SubmissionResult(
        id=submission_id,
        verdict=Verdict.SE,
        score=0.0,
        passed=0,
        total=int(meta.get("tests", 0)),
        language=str(meta.get("language", "")),
        attempts=retries + 1,
        message=message,
    )
    return result.model_dump_json()


def _restore(job_id: str, entry_id: bytes | str, payload: dict) -> Result | None:
    """RQ's decoding of one result-stream entry; None for an empty, foreign or damaged one."""
    if not payload:
        return None
    entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    try:
        return Result.restore(job_id, entry, payload, connection=None, serializer=SERIALIZER)  # type: ignore[arg-type]
    except Exception:  # classified as a generic failure by the caller
        return None
