"""One RQ worker per job thread: RQ's own job lifecycle, with a reliable, prioritised dequeue.

RQ's `SimpleWorker` runs jobs in-process and does all the bookkeeping (executions, the started
registry, results, retries, each state change in one pipeline). Several of them share one
process and its engine, one per thread. What this subclass changes, and why:

- Dequeue moves the id atomically from its queue to RQ's intermediate list (LMOVE), trying the
  interactive queue before the bulk one. RQ's multi-queue BLPOP would lose a job if the process
  died between the pop and the registration of its execution; here the janitor recovers it.
- Running executions are leased for `lease_s` seconds and renewed by the process's heartbeat
  thread, so a killed worker's jobs are re-run within seconds instead of RQ's minutes.
- The finishing pipeline also publishes the completion notice and the job's metrics.
- Round trips per job are cut from RQ's nine to three, and only two of them are waited for
  before the engine runs: the pop also reads the job hash, registering the execution and
  starting the job share one transaction (RQ sends two), and success is one transaction without
  RQ's dependents lookup (WATCH + SMEMBERS) and repeat scheduling, which judge jobs never use.
- Each thread sends its pop, start and success over a connection of its own (`link.JobLink`),
  packed by hiredis: redis-py's Python packing and per-command bookkeeping cost the worker
  several times the CPU of the commands. RQ's API still writes every command, onto a pipeline
  that is handed to the link instead of executed.
- The start transaction is written without waiting for its replies: a round trip off each
  job's critical path (several ms on a loaded machine). Every finishing pipeline reads them
  first (`cleanup_execution`), so Redis has applied start before finish exactly as RQ orders
  them; if it failed, the finish fails too and the job is recovered like one whose worker died.
- A job's started and finished registries are built once per queue and handed to each
  `JudgeJob` (RQ builds new ones at every use, resolving the serializer each time).
- Signals, the pub/sub command channel and the SIGALRM death penalty belong to the process (or
  to its watchdog), not to each thread.
- The job function is not imported by name: each dequeued `JudgeJob` is handed the process's
  `JudgeTask` (engine and watchdog), and leaves its result and metrics outcome on the job.

Only RQ's public API is used (no private member is read or written). Subclassing ties us to
RQ's hook names and the order its `execute_job`/`perform_job` calls them, so the dependency is
pinned to `rq==3.0.*` and tests/service/test_rq_contract.py checks every override here against
`SimpleWorker` (name, signature, and that RQ's own code still calls it).

Why one module: every change listed above is an override of `SimpleWorker`, and they must sit
in the one subclass RQ calls; `tests/service/test_rq_contract.py` pins each hook it relies on
against RQ's own signatures, so the class is reviewed against one list.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from typing import Any

import redis
import redis.exceptions
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.registry import FinishedJobRegistry, StartedJobRegistry
from rq.results import Result
from rq.timeouts import BaseDeathPenalty
from rq.utils import now, utcformat
from rq.worker import SimpleWorker, WorkerStatus
from xcoder_wire.schemas import Priority

from xcoder_judge.service.metrics.record import record_job
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import tenant_of
from xcoder_judge.service.queue.jobspec import SERIALIZER
from xcoder_judge.service.queue.notify import publish_done
from xcoder_judge.service.worker.job import JobRegistries, JudgeJob, JudgeTask
from xcoder_judge.service.worker.link import JobLink, queued

log = logging.getLogger("xcoder_judge.worker")

# Move the first id found, in priority order, from a queue to its intermediate list, and read
# its job hash in the same round trip. ARGV[1] is RQ's job key prefix.
# KEYS: queue, intermediate, queue, intermediate, …
# Returns {pair index (1-based), job id, job hash as a flat list} or nil.
_POP_FIRST_LUA = """
for i = 1, #KEYS, 2 do
  local id = redis.call('LMOVE', KEYS[i], KEYS[i + 1], 'LEFT', 'RIGHT')
  if id then return {(i + 1) / 2, id, redis.call('HGETALL', ARGV[1] .. id)} end
end
return nil
"""


class NoDeathPenalty(BaseDeathPenalty):
    """Time is enforced by the engine and the process's watchdog, not by SIGALRM (threads)."""

    def setup_death_penalty(self) -> None:
        pass

    def cancel_death_penalty(self) -> None:
        pass


class JudgeWorker(SimpleWorker):
    death_penalty_class = NoDeathPenalty
    job_class = JudgeJob
    log_result_lifespan = False

    def __init__(
        self,
        *,
        name: str,
        connection: redis.Redis,
        lease_s: float,
        block_s: float,
        block_on: Priority,
        task: JudgeTask,
        stop: threading.Event,
        result_ttl_s: int,
    ) -> None:
        queues = [
            Queue(keys.queue_name(p), connection=connection, serializer=SERIALIZER) for p in keys.PRIORITIES
        ]
        super().__init__(
            queues,
            name=name,
            connection=connection,
            serializer=SERIALIZER,
            default_result_ttl=result_ttl_s,
            worker_ttl=math.ceil(lease_s) + 15,
            log_job_description=False,
            prepare_for_work=False,  # RQ would ask Redis for our address: no I/O in a constructor
        )
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self._lease_ttl = max(1, math.ceil(lease_s))
        self._block_s = block_s
        self._block_on = block_on
        self._task = task
        self._running: dict[str, JudgeJob] = {}  # execution id → its job, for lease renewal
        self._stop = stop
        self._pop_first = connection.register_script(_POP_FIRST_LUA)  # no I/O: its sha and text
        self._pop_keys: list[str] = []
        for p in keys.PRIORITIES:
            self._pop_keys += [keys.queue_key(p), keys.intermediate_queue_key(p)]
        self.registered = False
        self.judged = 0  # submissions this thread finished (whatever their verdict)
        self._link = JobLink(connection.connection_pool)  # connects on first use
        self._registries = {
            q.name: JobRegistries(
                started=StartedJobRegistry(queue=q, job_class=self.job_class),
                finished=FinishedJobRegistry(queue=q, job_class=self.job_class),
            )
            for q in self.queues
        }

    # ------------------------------------------------------------------ the loop

    def run(self) -> None:
        """Dequeue, execute, repeat until asked to stop; finish the job in hand first."""
        self._register()
        backoff = 0.5
        try:
            while not self._stop.is_set():
                try:
                    dequeued = self.dequeue_job_and_maintain_ttl(None)
                    backoff = 0.5
                    if dequeued is None:
                        continue
                    job, queue = dequeued
                    try:
                        self.execute_job(job, queue)
                    finally:
                        self._settle_start()
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                    log.warning("%s: Redis unavailable (%s); retrying in %.1f s", self.name, exc, backoff)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                except Exception:
                    log.exception("%s: unexpected error; carrying on", self.name)
                    self._stop.wait(1.0)
        finally:
            self._link.close()
            self._unregister()

    def wait_started(self) -> None:
        """Read the job in hand's start transaction's replies (raising its error, once)."""
        self._link.wait()

    def _settle_start(self) -> None:
        """After a job whose finish raised before waiting for its start: wait, keep quiet (the
        error in hand is the one to report; the janitor recovers the job either way)."""
        try:
            self.wait_started()
        except Exception:
            log.debug("%s: the start transaction of the last job failed too", self.name, exc_info=True)

    def _register(self) -> None:
        while not self._stop.is_set():
            try:
                self.bootstrap(logging_level=None)
                self.registered = True
                return
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                self._stop.wait(1.0)
            except ValueError:
                # RQ refuses a name whose registration is still alive: a previous process with the
                # same (configured) name died without unregistering. Its key would expire; take it over.
                log.warning("%s: replacing a stale RQ registration of the same name", self.name)
                self.connection.delete(self.key)

    def _unregister(self) -> None:
        if not self.registered:
            return
        self.registered = False
        try:
            self.register_death()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            pass  # its registration expires by itself

    # ------------------------------------------------------------------ RQ hooks

    def subscribe(self) -> None:
        """No per-thread command channel: the process drains on SIGTERM instead."""

    def unsubscribe(self) -> None:
        pass

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Executions are leased briefly; the process heartbeat renews the lease while they run."""
        return self._lease_ttl

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Interactive before bulk, atomically into the intermediate list; None after an idle wait."""
        popped = self._link.run_script(self._pop_first, self._pop_keys, [keys.job_key_prefix()])
        if popped is not None:
            index, raw_id, flat = popped
            priority = keys.PRIORITIES[int(index) - 1]
        else:
            if self._stop.is_set():
                return None
            raw_id = self._link.call(
                "BLMOVE",
                keys.queue_key(self._block_on),
                keys.intermediate_queue_key(self._block_on),
                "LEFT",
                "RIGHT",
                self._block_s,
            )
            if raw_id is None:
                return None
            priority = self._block_on
            flat = None
        job_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        if flat is None:
            flat = self._link.call("HGETALL", keys.job_key_prefix() + job_id)
        queue = self.queues[keys.PRIORITIES.index(priority)]
        try:
            if not flat:
                raise NoSuchJobError(job_id)
            job = self.job_class(job_id, connection=self.connection, serializer=self.serializer)
            job.restore(_as_hash(flat))
        except NoSuchJobError:
            self.connection.lrem(keys.intermediate_queue_key(priority), 1, job_id)
            log.warning("%s: dequeued id %s has no job (deleted?); skipped", self.name, job_id)
            return None
        job.redis_server_version = self.get_redis_server_version()
        job.task = self._task
        job.registries = self._registries.get(job.origin)
        return job, queue

    def set_state(self, state: str, pipeline: Any = None) -> None:
        """State changes ride on pipelines RQ sends anyway (busy: the start; idle: the finish).

        RQ also sets it alone after every job, a round trip per job for a field only `rq info`
        shows: that call is dropped.
        """
        if pipeline is not None:
            super().set_state(state, pipeline=pipeline)

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        """RQ refreshes the job's heartbeat here (a round trip); the execution's lease suffices."""
        job.ended_at = now()

    def prepare_execution(self, job: Job) -> Execution:
        """RQ's two start-up transactions (register the execution; mark the job started) in one,
        written without waiting for its replies (read by `cleanup_execution`)."""
        ttl = self.get_heartbeat_ttl(job)
        self._settle_start()
        with self.connection.pipeline() as pipe:
            execution = Execution.create(job, ttl, pipeline=pipe, worker_name=self.name)
            self.set_state(WorkerStatus.BUSY, pipeline=pipe)
            self.heartbeat(ttl, pipeline=pipe)
            job.heartbeat(now(), ttl, pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)
            pipe.persist(job.key)
            # Dequeued through the intermediate list (we listen on two queues; RQ would not).
            pipe.lrem(keys.intermediate_queue_key(keys.priority_of_queue(job.origin)), 1, job.id)
            self._link.send_transaction(queued(pipe))
        self.executions[execution.id] = execution
        self._running[execution.id] = job  # type: ignore[assignment]
        return execution

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        """Already done by `prepare_execution`, in the same transaction."""

    def handle_job_success(
        self, job: Job, queue: Queue, started_job_registry: Any, execution: Execution
    ) -> None:
        """RQ's success bookkeeping in one transaction (no dependents, no repeats for judge jobs)."""
        result_ttl = job.get_result_ttl(self.default_result_ttl)
        with self.connection.pipeline() as pipe:
            self.increment_successful_job_count(pipeline=pipe)
            if job.started_at and job.ended_at:
                self.increment_total_working_time(job.ended_at - job.started_at, pipe)
            job.set_status(JobStatus.FINISHED, pipeline=pipe)
            if result_ttl != 0:
                # What RQ's job does on success: save the job, append the result to its stream,
                # list it as finished. RQ's `save` rewrites the whole hash, the payload compressed
                # again (zlib: ~50 µs for a tiny job here, far more for large tests); since the
                # start only the times changed, so only they are written (the status just above).
                pipe.hset(job.key, mapping=_times(job))
                Result.create(
                    job,
                    Result.Type.SUCCESSFUL,
                    return_value=_result_text(job),
                    ttl=result_ttl,
                    worker_name=self.name,
                    pipeline=pipe,
                    execution_id=execution.id,
                    execution_started_at=execution.created_at,
                    execution_ended_at=job.ended_at,
                )
                job.finished_job_registry.add(job, result_ttl, pipe)
            job.cleanup(result_ttl, pipeline=pipe, remove_from_queue=False)
            self.cleanup_execution(job, pipeline=pipe, execution=execution)
            self._link.transaction(queued(pipe))

    def cleanup_execution(self, job: Job, pipeline: Any, execution: Any = None) -> None:
        """Runs inside every finishing pipeline (success, failure, retry): add notice and metrics.

        First it waits for the job's start transaction: the finish must reach Redis after it.
        """
        self.wait_started()
        super().cleanup_execution(job, pipeline, execution)
        if execution is not None:
            self._running.pop(execution.id, None)
        self.set_state(WorkerStatus.IDLE, pipeline)
        outcome = job.outcome if isinstance(job, JudgeJob) else None
        if outcome is not None:
            self.judged += 1
            record_job(
                pipeline,
                verdict=outcome.verdict,
                language=outcome.language,
                priority=_priority_of(job),
                tenant=tenant_of(job.id),
                queue_wait_s=outcome.queue_wait_s,
                judge_s=outcome.judge_s,
            )
        finished = job.get_status(refresh=False) == JobStatus.FINISHED
        publish_done(pipeline, job.id, _result_text(job) if finished else None)

    def renew_leases(self, pipeline: Any) -> None:
        """Queue this worker's heartbeat and its running executions' lease renewals (heartbeat thread)."""
        if not self.registered:
            return  # a heartbeat would create the key RQ checks to refuse duplicate names
        self.heartbeat(self.worker_ttl + 60, pipeline=pipeline)
        for execution in list(self.executions.values()):
            job = self._running.get(execution.id)
            if job is None:
                continue
            execution.heartbeat(job.started_job_registry, self._lease_ttl, pipeline=pipeline)

    @property
    def busy(self) -> bool:
        return bool(self.executions)


def _times(job: Job) -> dict[str, str]:
    """The job-hash fields a run changes after its start, as RQ's `Job.to_dict` writes them."""
    fields = {}
    for name in ("started_at", "ended_at", "last_heartbeat"):
        value = getattr(job, name)
        if value is not None:
            fields[name] = utcformat(value)
    return fields


def _as_hash(reply: Any) -> dict:
    """A hash as Redis replies it: a map over RESP3, a flat list over RESP2 (and from Lua)."""
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2], strict=True))


def _result_text(job: Job) -> str | None:
    """The SubmissionResult JSON the task left on the job (None if it never ran)."""
    return job.result_text if isinstance(job, JudgeJob) else None


def wait_for_redis(connection: redis.Redis, stop: threading.Event, what: str) -> bool:
    """Block until Redis answers (logging once) or `stop` is set; True when it answered."""
    warned = False
    while not stop.is_set():
        try:
            connection.ping()
            if warned:
                log.info("%s: Redis is reachable", what)
            return True
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            if not warned:
                log.warning("%s: waiting for Redis (%s)", what, exc)
                warned = True
            stop.wait(1.0)
    return False


def _priority_of(job: Job) -> str | None:
    """The flow a job came in on (its queue's priority); None for a queue that is not the judge's."""
    try:
        return keys.priority_of_queue(job.origin).value
    except KeyError:
        return None
