"""Single-stage requests as RQ jobs, and job lookup."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job

from xcoder_synth.service.deps import RedisDep, SettingsDep
from xcoder_synth.service.schemas import JobInfo, QueueStatus
from xcoder_synth.service.single import VerifyRequest

router = APIRouter(prefix="/v1", tags=["stages"])


@router.post("/stages/verify", status_code=status.HTTP_202_ACCEPTED, response_model=JobInfo)
def verify(body: VerifyRequest, settings: SettingsDep, conn: RedisDep) -> JobInfo:
    """Dual-verify one task against the given candidates and inputs (all code runs in the judge)."""
    job = Queue(settings.queue, connection=conn).enqueue_call(
        "xcoder_synth.pipeline.jobs.verify_one",
        args=(body.model_dump(mode="json"),),
        timeout=settings.job_timeout_s,
        result_ttl=7 * 86400,
        failure_ttl=7 * 86400,
        description="xcoder-synth verify",
    )
    return JobInfo(id=job.id, status=job.get_status().value)


@router.get("/jobs/{job_id}", response_model=JobInfo)
def get_job(job_id: str, conn: RedisDep) -> JobInfo:
    try:
        job = Job.fetch(job_id, connection=conn)
    except NoSuchJobError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}") from exc
    state = job.get_status(refresh=True)
    info = JobInfo(id=job.id, status=state.value if state else "expired")
    if state is not None and state.value == "finished":
        info.result = job.return_value()
    elif state is not None and state.value == "failed":
        result = job.latest_result()
        info.error = (
            (result.exc_string or "").strip().splitlines()[-1] if result and result.exc_string else "failed"
        )
    return info


@router.get("/status", response_model=QueueStatus)
def queue_status(settings: SettingsDep, conn: RedisDep) -> QueueStatus:
    queue = Queue(settings.queue, connection=conn)
    workers = [w.name for w in Worker.all(connection=conn) if settings.queue in w.queue_names()]
    return QueueStatus(queue=settings.queue, queued=queue.count, workers=sorted(workers))
