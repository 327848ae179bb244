"""Re-run the jobs of dead workers within seconds, and keep RQ's registries tidy.

Every worker process runs a janitor thread; a short Redis lock lets one sweep at a time.

- Running executions hold a lease of `lease_s` seconds that the worker's heartbeat renews. When
  a lease lapses the worker is gone: RQ's own `StartedJobRegistry.cleanup()` re-enqueues the job
  (at the front of its queue) while it has retries left, else marks it failed, which the API
  reports as verdict SE. Waiters are notified either way.
- An id that sits in an intermediate list without a started execution was dequeued by a worker
  that died before registering it; after `lease_s` it is put back the same way.
- Once a minute RQ's registry maintenance runs and dead workers' names are pruned.

A lease also lapses when nobody could renew it: while Redis was down (restarted, or out of
reach of this janitor's process) every live worker's heartbeat failed too. So nothing is
re-queued until Redis has been up, and reachable from here, for `2 × lease_s`: time for every
live worker to renew its leases. Only then does a lapsed lease mean a dead worker.
"""

from __future__ import annotations

import logging
import time

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.job_lifecycle import record_job_failure
from rq.queue import Queue
from rq.registry import StartedJobRegistry, clean_registries
from rq.worker_registration import clean_worker_registry
from xcoder_wire.schemas import Priority, SubmissionResult, Verdict

from xcoder_judge.service.metrics.record import record_job
from xcoder_judge.service.queue import chunks, keys
from xcoder_judge.service.queue.ids import submission_id_for, tenant_of
from xcoder_judge.service.queue.jobspec import SERIALIZER
from xcoder_judge.service.queue.notify import publish_done

log = logging.getLogger("xcoder_judge.janitor")

_MAINTENANCE_EVERY_S = 60.0

# Delete the lock only if it still holds our token: one atomic step, so a lock that expired and
# was taken by another janitor between a GET and a DELETE is never released by us.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Janitor:
    def __init__(self, connection: redis.Redis, *, owner: str, lease_s: float, interval_s: float) -> None:
        self._redis = connection
        self._owner = owner
        self._lease_s = lease_s
        self._lock_ms = max(1000, int(interval_s * 3000))
        self._queues = {
            p: Queue(keys.queue_name(p), connection=connection, serializer=SERIALIZER)
            for p in keys.PRIORITIES
        }
        self._last_maintenance = 0.0
        self._release = connection.register_script(_RELEASE_LUA)
        self._grace_s = 2 * lease_s
        self._reachable_since = float("-inf")  # no outage seen yet (a restart shows in Redis's uptime)

    def redis_unreachable(self) -> None:
        """Called when a sweep failed to reach Redis: leases are not judged until it is back a while."""
        self._reachable_since = time.monotonic()

    def _after_outage(self) -> bool:
        """True while Redis (or our reach of it) is back for less than the grace: workers may be
        alive with lapsed leases they have not yet had a chance to renew."""
        if time.monotonic() - self._reachable_since < self._grace_s:
            return True
        uptime = int(self._redis.info("server").get("uptime_in_seconds", 0))
        return uptime < self._grace_s

    def sweep(self) -> int:
        """One pass if no other janitor holds the lock; returns how many jobs it re-queued or failed."""
        if not self._redis.set(keys.janitor_lock_key(), self._owner, nx=True, px=self._lock_ms):
            return 0
        handled = 0
        try:
            if self._after_outage():
                return 0
            for priority, queue in self._queues.items():
                handled += self._expired_leases(queue)
                handled += self._stranded(priority, queue)
            self._prune_dead_workers()
            if time.monotonic() - self._last_maintenance >= _MAINTENANCE_EVERY_S:
                self._maintenance()
        finally:
            self._release(keys=[keys.janitor_lock_key()], args=[self._owner])
        return handled

    def _expired_leases(self, queue: Queue) -> int:
        registry = StartedJobRegistry(queue=queue)
        expired = sorted(set(registry.get_expired_job_ids()))
        if not expired:
            return 0
        # Only jobs still marked started were abandoned; the others ended and left a stale entry.
        jobs = Job.fetch_many(expired, connection=self._redis, serializer=SERIALIZER)
        abandoned = [j.id for j in jobs if j is not None and j.get_status(refresh=False) == JobStatus.STARTED]
        registry.cleanup()  # RQ: re-enqueue while retries are left, else mark failed
        if abandoned:
            self._announce(abandoned, queue)
        return len(abandoned)

    def _stranded(self, priority: Priority, queue: Queue) -> int:
        stranded_key = keys.intermediate_queue_key(priority)
        ids = [raw.decode() for raw in self._redis.lrange(stranded_key, 0, -1)]
        if not ids:
            return 0
        running = {
            job_id for job_id, _ in StartedJobRegistry(queue=queue).get_job_and_execution_ids(cleanup=False)
        }
        recovered: list[str] = []
        now = time.time()
        for job_id in ids:
            if job_id in running:
                continue  # registered a moment ago; its worker removes it from the list next
            seen_key = keys.intermediate_first_seen_key(priority, job_id)
            if self._redis.set(seen_key, now, nx=True, ex=3600):
                continue
            first_seen = float(self._redis.get(seen_key) or now)
            if now - first_seen < self._lease_s:
                continue
            self._recover(priority, queue, job_id)
            self._redis.delete(seen_key)
            recovered.append(job_id)
        if recovered:
            self._announce(recovered, queue)
        return len(recovered)

    def _recover(self, priority: Priority, queue: Queue, job_id: str) -> None:
        stranded_key = keys.intermediate_queue_key(priority)
        try:
            job = Job.fetch(job_id, connection=self._redis, serializer=SERIALIZER)
        except NoSuchJobError:
            self._redis.lrem(stranded_key, 1, job_id)
            return
        in_queue = self._redis.lpos(keys.queue_key(priority), job_id) is not None
        with self._redis.pipeline() as pipe:
            pipe.lrem(stranded_key, 1, job_id)
            if job.get_status(refresh=False) == JobStatus.QUEUED and not in_queue:
                if job.retries_left:
                    log.warning("janitor: job %s was dequeued by a worker that died; re-queued", job_id)
                    job.retry(queue, pipe)
                else:
                    log.warning("janitor: job %s was dequeued by a worker that died; no retries left", job_id)
                    record_job_failure(job, "stranded in the intermediate queue by a dead worker", pipe)
            pipe.execute()

    def _announce(self, job_ids: list[str], queue: Queue) -> None:
        """Wake waiters, and count the jobs that ended failed (they are SE results)."""
        jobs = Job.fetch_many(job_ids, connection=self._redis, serializer=SERIALIZER)
        with self._redis.pipeline(transaction=False) as pipe:
            for job_id, job in zip(job_ids, jobs, strict=True):
                if job is not None and job.get_status(refresh=False) == JobStatus.FAILED:
                    log.warning("janitor: job %s failed: its workers died on every attempt", job_id)
                    if chunks.parent_of(job) is not None:
                        self._lost_chunk(job)  # its parent counts once, when merged
                        continue
                    language = str(job.meta.get("language", ""))
                    record_job(
                        pipe,
                        verdict=Verdict.SE.value,
                        language=language,
                        priority=keys.priority_of_queue(queue.name).value,
                        tenant=tenant_of(job_id),
                        queue_wait_s=None,
                        judge_s=None,
                    )
                elif job is not None:
                    log.warning("janitor: job %s re-queued on %s after its worker died", job_id, queue.name)
                publish_done(pipe, job_id)
            pipe.execute()

    def _lost_chunk(self, job: Job) -> None:
        """A chunk RQ gave up on: its tests are SE in the parent's result, which can now end."""
        attempts = int(job.meta.get("retries", 0)) + 1
        result = SubmissionResult(
            id=submission_id_for(str(job.meta["parent"])),
            verdict=Verdict.SE,
            score=0.0,
            passed=0,
            total=int(job.meta.get("tests", 0)),
            language=str(job.meta.get("language", "")),
            attempts=attempts,
            message=(
                f"the judge lost part of this submission: the worker running it stopped responding "
                f"on all {attempts} attempt(s); resubmit it"
            ),
        )
        chunks.complete(self._redis, job, result.model_dump_json(), result_ttl_s=job.result_ttl or 3600)

    def _prune_dead_workers(self) -> None:
        names = [raw.decode() for raw in self._redis.smembers(keys.workers_key())]
        if not names:
            return
        with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(keys.worker_key(name))
            present = pipe.execute()
        dead = [name for name, here in zip(names, present, strict=True) if not here]
        if dead:
            self._redis.srem(keys.workers_key(), *dead)

    def _maintenance(self) -> None:
        if not self._redis.set(
            keys.maintenance_lock_key(), self._owner, nx=True, ex=int(_MAINTENANCE_EVERY_S)
        ):
            self._last_maintenance = time.monotonic()
            return
        for queue in self._queues.values():
            clean_registries(queue)
            clean_worker_registry(queue)
        self._last_maintenance = time.monotonic()
