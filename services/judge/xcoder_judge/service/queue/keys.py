"""Every Redis key and channel the judge service touches, built in this one module.

RQ owns the job, queue, registry and result keys. They are derived here through RQ's own
helpers, so they cannot drift from what RQ reads and writes. The service's own keys share the
`xcoder:judge:` prefix. No other module formats a key.
"""

from __future__ import annotations

from rq.intermediate_queue import IntermediateQueue
from rq.job import Job
from rq.queue import Queue
from rq.registry import StartedJobRegistry
from rq.results import Result
from xcoder_wire.schemas import Priority

PREFIX = "xcoder:judge"

# Workers take interactive work before bulk work: this tuple is the dequeue order.
PRIORITIES: tuple[Priority, ...] = (Priority.interactive, Priority.bulk)

_QUEUE_NAMES: dict[Priority, str] = {
    Priority.interactive: "xcoder-judge.interactive",
    Priority.bulk: "xcoder-judge.bulk",
}


# ------------------------------------------------------------------ RQ-owned keys


def queue_name(priority: Priority) -> str:
    """The RQ queue name of a priority."""
    return _QUEUE_NAMES[priority]


def priority_of_queue(name: str) -> Priority:
    for priority, queue in _QUEUE_NAMES.items():
        if queue == name:
            return priority
    raise KeyError(f"not a judge queue: {name!r}")


def queue_key(priority: Priority) -> str:
    """The list RQ pushes job ids on."""
    return Queue.redis_queue_namespace_prefix + queue_name(priority)


def intermediate_queue_key(priority: Priority) -> str:
    """Where a dequeued id sits until its execution is registered (RQ's reliable-queue list)."""
    return IntermediateQueue.get_intermediate_queue_key(queue_key(priority))


def intermediate_first_seen_key(priority: Priority, job_id: str) -> str:
    """When a sweep first saw `job_id` stranded in the intermediate list (RQ's own key)."""
    return IntermediateQueue(queue_key(priority), connection=None).get_first_seen_key(job_id)  # type: ignore[arg-type]


def started_registry_key(priority: Priority) -> str:
    """Sorted set of running executions scored by lease expiry."""
    return StartedJobRegistry.key_template.format(queue_name(priority))


def all_queues_key() -> str:
    """RQ's set of known queue keys (so `rq info` lists ours)."""
    return Queue.redis_queues_keys


def job_key(job_id: str) -> str:
    """The RQ job hash."""
    return Job.key_for(job_id)


def job_key_prefix() -> str:
    """What `job_key` puts before the id (for Lua scripts that build job keys themselves)."""
    return Job.redis_job_namespace_prefix


def result_key(job_id: str) -> str:
    """The RQ result stream of a job."""
    return Result.get_key(job_id)


# ------------------------------------------------------------------ service keys


def chunk_state_key(parent_job_id: str) -> str:
    """Hash of a chunked submission: `next` (the next chunk to queue), `stop` (the first chunk
    that failed), the digest; its chunks' results are in `chunk_results_key`."""
    return f"{PREFIX}:chunks:{parent_job_id}"


def chunk_results_key(parent_job_id: str) -> str:
    """Hash chunk index → that chunk's SubmissionResult JSON (its own test indices)."""
    return f"{PREFIX}:chunks:{parent_job_id}:results"


def member_key(job_id: str) -> str:
    """A coalesced request's own job id (which has no job) → its group's job and test index."""
    return f"{PREFIX}:member:{job_id}"


def done_channel() -> str:
    """Pub/sub channel on which a job id is published whenever its job may have ended."""
    return f"{PREFIX}:done"


def workers_key() -> str:
    """Sorted set of worker names scored by their last heartbeat (unix seconds)."""
    return f"{PREFIX}:workers"


def worker_key(name: str) -> str:
    """A worker's presence record (JSON), expiring when its heartbeats stop."""
    return f"{PREFIX}:worker:{name}"


def janitor_lock_key() -> str:
    """Held by the one worker sweeping abandoned jobs at a time."""
    return f"{PREFIX}:janitor:lock"


def maintenance_lock_key() -> str:
    """Held by the one worker running RQ's slower registry maintenance."""
    return f"{PREFIX}:maintenance:lock"


def jobs_counter_key() -> str:
    """Hash `<verdict>|<language>|<priority>` → number of finished jobs."""
    return f"{PREFIX}:metrics:jobs"


def latency_key(stage: str) -> str:
    """Hash `<verdict>|<language>|<priority>|<le:bound, sum or count>` for one latency stage."""
    return f"{PREFIX}:metrics:latency:{stage}"
