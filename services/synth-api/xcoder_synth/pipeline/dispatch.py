"""Run stages as RQ jobs so that workers on several machines share one run.

Each incomplete shard becomes one job; the jobs of a stage depend on every job of the stage
before, so a stage starts only when its inputs are complete. Finished shards are skipped, so
re-dispatching a run resumes it. Workers need the run directory on a shared filesystem.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable

import redis
from rq import Queue
from rq.job import Job, JobStatus

from xcoder_synth.errors import SynthError
from xcoder_synth.pipeline.config import RunConfig
from xcoder_synth.pipeline.stage import StageContext
from xcoder_synth.pipeline.stages import STAGES
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.settings import get_settings

POLL_S = 0.5


class DispatchError(SynthError):
    """A shard job failed or was lost; the run can be resumed after fixing the cause."""


def redis_connection(url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(url or get_settings().redis_url)


def run_key(store: RunStore) -> str:
    return hashlib.sha256(str(store.root.resolve()).encode()).hexdigest()[:12]


def enqueue_run(
    store: RunStore,
    stages: list[str],
    *,
    config: RunConfig,
    queue_name: str,
    connection: redis.Redis,
    job_timeout_s: int,
) -> list[Job]:
    """Enqueue the shard jobs of ``stages`` (in order, chained by dependencies)."""
    queue = Queue(queue_name, connection=connection)
    nonce = uuid.uuid4().hex[:8]
    key = run_key(store)
    jobs: list[Job] = []
    previous: list[Job] = []
    ctx = StageContext(store, config, progress=False)  # only asked for shard counts
    for name in stages:
        n = STAGES[name]().n_shards(ctx)
        current = [
            queue.enqueue_call(
                "xcoder_synth.pipeline.jobs.run_stage_shard",
                args=(str(store.root), name, shard),
                timeout=job_timeout_s,
                result_ttl=86400,
                failure_ttl=7 * 86400,
                depends_on=previous or None,
                job_id=f"xcoder-synth-{key}-{name}-{shard}-{nonce}",
                description=f"xcoder-synth {store.root.name}: {name} shard {shard + 1}/{n}",
            )
            for shard in range(n)
            if not store.is_done(name, shard)
        ]
        if current:
            jobs.extend(current)
            previous = current
    return jobs


def wait_for(
    jobs: list[Job], *, connection: redis.Redis, on_update: Callable[[int, int], None] | None = None
) -> None:
    """Block until every job finished; raise DispatchError (and cancel the rest) when one fails."""
    pending = {j.id: j for j in jobs}
    total = len(jobs)
    while pending:
        for job_id in list(pending):
            job = pending[job_id]
            status = job.get_status(refresh=True)
            if status == JobStatus.FINISHED:
                del pending[job_id]
            elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, None):
                for other in pending.values():
                    if other.id != job_id:
                        try:
                            other.cancel()
                        except Exception:  # already gone or finished: nothing to cancel
                            pass
                result = job.latest_result()
                detail = (result.exc_string or "").strip().splitlines()[-1:] if result else []
                raise DispatchError(
                    f"job {job.description or job_id} {status.value if status else 'vanished'}"
                    + (f": {detail[0]}" if detail else "")
                )
        if on_update is not None:
            on_update(total - len(pending), total)
        if pending:
            time.sleep(POLL_S)
