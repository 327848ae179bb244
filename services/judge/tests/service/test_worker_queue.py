"""The worker's dequeue and the janitor against real Redis and RQ (no judging involved).

Jobs are enqueued exactly as the API does; an RQ worker dequeues them as a job thread does; the
janitor then recovers what a dead worker left behind: a job it had dequeued but not started,
and a job whose lease it stopped renewing.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis
import redis.asyncio as aioredis
from rq.job import Job, JobStatus
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.enqueue import Enqueuer
from xcoder_judge.service.queue.janitor import Janitor
from xcoder_judge.service.queue.jobspec import SERIALIZER, build_job_spec, submission_digest
from xcoder_judge.service.queue.state import read_states
from xcoder_judge.service.worker.job import JudgeTask
from xcoder_judge.service.worker.rq_worker import JudgeWorker
from xcoder_judge.service.worker.watchdog import Watchdog
from xcoder_wire.schemas import JobStatus as Status
from xcoder_wire.schemas import Priority, Submission, SubmissionResult, Verdict


def enqueue(redis_url: str, items: list[tuple[str, Priority]], retries: int = 2) -> None:
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        try:
            specs = []
            for sid, priority in items:
                sub = Submission(
                    language="python3", source=f"print('{sid}')", tests=[{"input": ""}], priority=priority
                )
                specs.append(
                    build_job_spec(
                        sub,
                        submission_id=sid,
                        digest=submission_digest(sub),
                        retries=retries,
                        result_ttl_s=60,
                        connection=client,
                    )
                )
            await Enqueuer(client).enqueue(specs, max_queue=100)
        finally:
            await client.aclose()

    asyncio.run(main())


def states(redis_url: str, ids: list[str]):
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        try:
            return await read_states(client, ids)
        finally:
            await client.aclose()

    return asyncio.run(main())


def notice_for(pubsub, job_id: str, timeout_s: float = 5.0) -> bool:
    """Whether a completion notice for `job_id` arrives. Pub/sub channels span every Redis
    database, so notices of other tests' judges on the same server are skipped, not read as ours."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)  # None also for the (ignored) subscribe reply
        if message is not None and message["data"].split(b"\n", 1)[0] == job_id.encode():
            return True
    return False


@pytest.fixture
def worker(sync_redis):
    stop = threading.Event()
    w = JudgeWorker(
        name=f"test-worker-{time.monotonic_ns()}",
        connection=sync_redis,
        lease_s=1,
        block_s=0.2,
        block_on=Priority.bulk,
        task=JudgeTask(engine=None, watchdog=Watchdog()),  # type: ignore[arg-type]  # performs no job
        stop=stop,
        result_ttl_s=60,
    )
    yield w
    stop.set()


def test_interactive_work_is_taken_before_bulk_and_moved_atomically(redis_url, sync_redis, worker):
    enqueue(redis_url, [("b1", Priority.bulk), ("i1", Priority.interactive), ("b2", Priority.bulk)])
    order = []
    for _ in range(3):
        job, queue = worker.dequeue_job_and_maintain_ttl(None)
        order.append((job.id, queue.name))
    assert order == [
        ("i1", keys.queue_name(Priority.interactive)),
        ("b1", keys.queue_name(Priority.bulk)),
        ("b2", keys.queue_name(Priority.bulk)),
    ]
    # Dequeued but not started: the ids wait in RQ's intermediate lists, not in limbo.
    assert sync_redis.lrange(keys.intermediate_queue_key(Priority.interactive), 0, -1) == [b"i1"]
    assert sync_redis.lrange(keys.intermediate_queue_key(Priority.bulk), 0, -1) == [b"b1", b"b2"]
    assert worker.dequeue_job_and_maintain_ttl(None) is None  # empty: returns after its blocking wait


def test_a_blocked_worker_wakes_for_new_work(redis_url, worker):
    found = []
    t = threading.Thread(target=lambda: found.append(worker.dequeue_job_and_maintain_ttl(None)))
    t.start()
    time.sleep(0.05)
    enqueue(redis_url, [("late", Priority.bulk)])
    t.join(5)
    assert found and found[0] is not None and found[0][0].id == "late"


def test_janitor_requeues_a_job_whose_worker_died_before_starting_it(redis_url, sync_redis, worker):
    enqueue(redis_url, [("stranded", Priority.interactive), ("next", Priority.interactive)])
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    assert job.id == "stranded"
    janitor = Janitor(sync_redis, owner="j", lease_s=0.2, interval_s=0.1)
    pubsub = sync_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.done_channel())
    assert janitor.sweep() == 0  # first seen now: a live worker would register it within moments
    time.sleep(0.3)
    assert janitor.sweep() == 1
    assert sync_redis.llen(keys.intermediate_queue_key(Priority.interactive)) == 0
    # Back at the front of its queue, one retry spent; and waiters were told to look again.
    assert sync_redis.lrange(keys.queue_key(Priority.interactive), 0, -1) == [b"stranded", b"next"]
    requeued = Job.fetch("stranded", connection=sync_redis, serializer=SERIALIZER)
    assert requeued.get_status() is JobStatus.QUEUED and requeued.retries_left == 1
    assert notice_for(pubsub, "stranded")
    pubsub.close()


def test_janitor_requeues_a_job_whose_lease_lapsed_then_gives_up_with_se(redis_url, sync_redis, worker):
    enqueue(redis_url, [("leased", Priority.bulk)], retries=1)
    janitor = Janitor(sync_redis, owner="j", lease_s=1, interval_s=0.1)
    for attempt in (1, 2):
        job, _ = worker.dequeue_job_and_maintain_ttl(None)
        assert job.id == "leased"
        worker.prepare_execution(job)  # registered with a 1 s lease ...
        worker.wait_started()  # sent while the engine would run
        worker.prepare_job_execution(job)  # ... and started; then the worker "dies"
        worker.executions.clear()
        (state,) = states(redis_url, ["leased"])
        assert state.status is Status.running
        time.sleep(1.1)
        assert janitor.sweep() == 1
        (state,) = states(redis_url, ["leased"])
        if attempt == 1:
            assert state.status is Status.queued  # re-run on a live worker next
            assert Job.fetch("leased", connection=sync_redis, serializer=SERIALIZER).retries_left == 0
    assert state.status is Status.done
    result = SubmissionResult.model_validate_json(state.result_json)
    assert result.verdict is Verdict.SE and result.attempts == 2  # never a verdict about the code
    counted = sync_redis.hget(
        keys.jobs_counter_key(), "SE|python3|bulk|open"
    )  # verdict, language, flow, tenant
    assert counted == b"1"


def test_a_renewed_lease_is_left_alone(redis_url, sync_redis, worker):
    enqueue(redis_url, [("alive", Priority.bulk)])
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    worker.registered = True
    worker.prepare_execution(job)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(job)
    janitor = Janitor(sync_redis, owner="j", lease_s=1, interval_s=0.1)
    for _ in range(4):
        time.sleep(0.4)
        with sync_redis.pipeline(transaction=False) as pipe:
            worker.renew_leases(pipe)
            pipe.execute()
        assert janitor.sweep() == 0
    (state,) = states(redis_url, ["alive"])
    assert state.status is Status.running


def test_only_one_janitor_sweeps_at_a_time(sync_redis):
    sync_redis.set(keys.janitor_lock_key(), "someone-else", px=5000)
    assert Janitor(sync_redis, owner="me", lease_s=1, interval_s=0.1).sweep() == 0
    assert sync_redis.get(keys.janitor_lock_key()) == b"someone-else"


def test_a_finished_job_leaves_the_worker_s_execution_index(redis_url, sync_redis, worker):
    """RQ lists running executions under rq:worker:<name>:executions; a finished one is removed."""
    enqueue(redis_url, [("done", Priority.bulk)])
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    execution = worker.prepare_execution(job)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(job)
    index = f"rq:worker:{worker.name}:executions"
    assert sync_redis.smembers(index) == {execution.composite_key.encode()}
    result = SubmissionResult(id="done", verdict=Verdict.AC, score=1.0, passed=1, total=1)
    job.result_text = result.model_dump_json()
    worker.handle_execution_ended(job, queue, 0)
    worker.handle_job_success(job, queue, queue.started_job_registry, execution)
    assert sync_redis.smembers(index) == set()
    assert worker.executions == {} and not worker.busy
    (state,) = states(redis_url, ["done"])
    assert state.status is Status.done and state.result_json == job.result_text


def test_janitor_never_releases_a_lock_another_janitor_took_over(sync_redis, monkeypatch):
    """Our lock expired mid-sweep and another janitor took it: ours must not delete theirs."""
    janitor = Janitor(sync_redis, owner="slow", lease_s=1, interval_s=0.1)

    def taken_over_meanwhile() -> None:
        sync_redis.set(keys.janitor_lock_key(), "successor", px=5000)

    monkeypatch.setattr(janitor, "_prune_dead_workers", taken_over_meanwhile)
    janitor.sweep()
    assert sync_redis.get(keys.janitor_lock_key()) == b"successor"
    sync_redis.delete(keys.janitor_lock_key())
    monkeypatch.undo()
    janitor.sweep()
    assert sync_redis.get(keys.janitor_lock_key()) is None  # its own lock it does release


def test_the_start_transaction_is_sent_while_the_engine_runs_and_lands_before_the_finish(
    redis_url, sync_redis, worker, monkeypatch
):
    """prepare_execution writes the start and returns without reading its replies (the engine
    need not wait for that round trip); the finish reads them before it sends anything, so a
    slow start never lands after the finished state."""
    from xcoder_judge.service.worker import link

    gate = threading.Event()
    read = link._read_transaction

    def held_read(conn, commands):
        assert gate.wait(5), "the start's replies were read before the engine could have run"
        return read(conn, commands)

    monkeypatch.setattr(link, "_read_transaction", held_read)
    enqueue(redis_url, [("slow-start", Priority.bulk)])
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    t = time.monotonic()
    execution = worker.prepare_execution(job)  # returns with the replies unread (held_read not called)
    assert time.monotonic() - t < 2.5
    result = SubmissionResult(id="slow-start", verdict=Verdict.AC, score=1.0, passed=1, total=1)
    job.result_text = result.model_dump_json()
    worker.handle_execution_ended(job, queue, 0)
    finishing = threading.Thread(
        target=worker.handle_job_success, args=(job, queue, queue.started_job_registry, execution)
    )
    finishing.start()
    time.sleep(0.3)
    assert sync_redis.hget(job.key, "status") == b"started"  # the finish waits for the start's replies
    gate.set()
    finishing.join(5)
    assert not finishing.is_alive()
    assert sync_redis.hget(job.key, "status") == b"finished"
    assert sync_redis.smembers(f"rq:worker:{worker.name}:executions") == set()
    assert sync_redis.lrange(keys.intermediate_queue_key(Priority.bulk), 0, -1) == []
    (state,) = states(redis_url, ["slow-start"])
    assert state.status is Status.done and state.result_json == job.result_text
    # RQ reads the finished job back whole: the API's payload, the run's times, the status.
    stored = Job.fetch("slow-start", connection=sync_redis, serializer=SERIALIZER)
    assert stored.get_status(refresh=False) == JobStatus.FINISHED
    assert stored.args == job.args and stored.meta == job.meta
    assert stored.started_at is not None and stored.ended_at is not None
    assert stored.started_at <= stored.ended_at and stored.worker_name == worker.name


def test_a_failed_start_fails_the_finish_and_the_next_job_still_runs(redis_url, sync_redis, worker):
    """The start's error surfaces when the finish reads its replies (the job is then recovered
    like one whose worker died), once; the connection stays in step for the next job."""
    enqueue(redis_url, [("broken", Priority.bulk), ("fine", Priority.bulk)])
    sync_redis.set(f"rq:worker:{worker.name}:executions", "not a set")  # SADD in the start fails
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    execution = worker.prepare_execution(job)
    job.result_text = SubmissionResult(
        id="broken", verdict=Verdict.AC, score=1.0, passed=1, total=1
    ).model_dump_json()
    worker.handle_execution_ended(job, queue, 0)
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        worker.handle_job_success(job, queue, queue.started_job_registry, execution)
    assert sync_redis.hget(job.key, "status") != b"finished"
    sync_redis.delete(f"rq:worker:{worker.name}:executions")
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    assert job.id == "fine"
    execution = worker.prepare_execution(job)
    job.result_text = SubmissionResult(
        id="fine", verdict=Verdict.AC, score=1.0, passed=1, total=1
    ).model_dump_json()
    worker.handle_execution_ended(job, queue, 0)
    worker.handle_job_success(job, queue, queue.started_job_registry, execution)
    (state,) = states(redis_url, ["fine"])
    assert state.status is Status.done and state.result_json == job.result_text


def test_a_job_s_registries_are_built_once_per_queue_and_are_the_ones_rq_would_build(
    redis_url, sync_redis, worker
):
    """RQ builds a registry at every use (resolving the serializer each time); the worker hands
    each job its queue's, which must name the same keys, connection, serializer and job class."""
    enqueue(redis_url, [("r1", Priority.bulk), ("r2", Priority.bulk), ("r3", Priority.interactive)])
    jobs = [worker.dequeue_job_and_maintain_ttl(None)[0] for _ in range(3)]
    by_id = {job.id: job for job in jobs}
    for job in jobs:
        for name in ("started_job_registry", "finished_job_registry"):
            ours = getattr(job, name)
            assert getattr(job, name) is ours
            rq_s = getattr(Job, name).fget(job)  # what RQ's own property builds
            assert type(ours) is type(rq_s)
            assert (ours.name, ours.key, ours.job_class, ours.serializer) == (
                rq_s.name,
                rq_s.key,
                rq_s.job_class,
                rq_s.serializer,
            )
            assert ours.connection is job.connection
    assert by_id["r1"].started_job_registry is by_id["r2"].started_job_registry
    assert by_id["r1"].started_job_registry is not by_id["r3"].started_job_registry
    assert by_id["r3"].started_job_registry.key == f"rq:wip:{keys.queue_name(Priority.interactive)}"
    stray = by_id["r1"]
    stray.origin = "elsewhere"  # a job from a queue the worker does not serve: RQ's own
    assert stray.started_job_registry.name == "elsewhere"
