"""After a Redis restart every lease has lapsed, the live workers' too: the janitor must not
re-queue their jobs as if their workers had died (a real Redis server, stopped and restarted)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq.job import Job, JobStatus
from xcoder_judge.service.embedded_redis import EmbeddedRedis
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.janitor import Janitor
from xcoder_judge.service.queue.jobspec import SERIALIZER
from xcoder_judge.service.worker.job import JudgeTask
from xcoder_judge.service.worker.rq_worker import JudgeWorker
from xcoder_judge.service.worker.watchdog import Watchdog
from xcoder_judge.testing import free_port
from xcoder_wire.schemas import Priority

from .test_worker_queue import enqueue

LEASE_S = 2.0  # RQ scores leases in whole seconds: 1 s leaves no margin for a renewal


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    srv = EmbeddedRedis(tmp_path / "redis", port=free_port())
    srv.start()
    yield srv
    srv.stop()


def _worker(connection: redis.Redis) -> JudgeWorker:
    return JudgeWorker(
        name=f"restart-{time.monotonic_ns()}",
        connection=connection,
        lease_s=LEASE_S,
        block_s=0.2,
        block_on=Priority.bulk,
        task=JudgeTask(engine=None, watchdog=Watchdog()),  # type: ignore[arg-type]  # performs no job
        stop=threading.Event(),
        result_ttl_s=60,
    )


def _renew(connection: redis.Redis, worker: JudgeWorker) -> None:
    with connection.pipeline(transaction=False) as pipe:
        worker.renew_leases(pipe)
        pipe.execute()


def test_live_workers_keep_their_jobs_through_a_redis_restart(server, caplog):
    connection = redis.Redis.from_url(server.url)
    enqueue(server.url, [("running", Priority.bulk)])
    worker = _worker(connection)
    worker.registered = True
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    worker.prepare_execution(job)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(job)
    janitor = Janitor(connection, owner="j", lease_s=LEASE_S, interval_s=0.2)
    server.stop()  # writes its append-only file: the (soon lapsed) lease survives the restart
    time.sleep(LEASE_S + 0.3)  # heartbeats cannot reach Redis meanwhile
    server.start()
    connection = redis.Redis.from_url(server.url)
    janitor = Janitor(connection, owner="j", lease_s=LEASE_S, interval_s=0.2)
    worker.connection = connection
    caplog.set_level(logging.WARNING, logger="xcoder_judge.janitor")
    assert janitor.sweep() == 0  # lapsed, but Redis has only just come back
    _renew(connection, worker)  # the live worker's next heartbeat
    deadline = time.monotonic() + 2 * LEASE_S + 1
    while time.monotonic() < deadline:
        assert janitor.sweep() == 0
        _renew(connection, worker)
        time.sleep(0.2)
    assert (
        Job.fetch("running", connection=connection, serializer=SERIALIZER).get_status() is JobStatus.STARTED
    )
    assert connection.llen(keys.queue_key(Priority.bulk)) == 0
    assert not [r for r in caplog.records if "after its worker died" in r.getMessage()]


def test_a_dead_worker_s_job_is_still_re_queued_once_redis_is_back_a_while(server, caplog):
    connection = redis.Redis.from_url(server.url)
    enqueue(server.url, [("orphan", Priority.bulk)])
    worker = _worker(connection)
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    worker.prepare_execution(job)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(job)  # ... then the worker dies with Redis
    server.stop()
    server.start()
    connection = redis.Redis.from_url(server.url)
    janitor = Janitor(connection, owner="j", lease_s=LEASE_S, interval_s=0.2)
    caplog.set_level(logging.WARNING, logger="xcoder_judge.janitor")
    assert janitor.sweep() == 0  # too soon to tell a dead worker from a live one
    time.sleep(2 * LEASE_S + 0.2)
    assert janitor.sweep() == 1
    assert connection.lrange(keys.queue_key(Priority.bulk), 0, -1) == [b"orphan"]
    assert [r for r in caplog.records if "after its worker died" in r.getMessage()]


def test_a_janitor_that_lost_redis_waits_a_grace_before_judging_leases(server):
    """Redis stayed up but this process could not reach it: the workers may have been cut off too."""
    connection = redis.Redis.from_url(server.url)
    enqueue(server.url, [("cut-off", Priority.bulk)])
    worker = _worker(connection)
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    worker.prepare_execution(job)
    worker.wait_started()  # sent while the engine would run
    worker.prepare_job_execution(job)
    time.sleep(2 * LEASE_S + 0.2)  # Redis is up long enough; the lease has lapsed
    janitor = Janitor(connection, owner="j", lease_s=LEASE_S, interval_s=0.2)
    janitor.redis_unreachable()
    assert janitor.sweep() == 0
    time.sleep(2 * LEASE_S + 0.1)
    assert janitor.sweep() == 1
