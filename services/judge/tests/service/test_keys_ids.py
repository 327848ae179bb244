"""Redis keys come from one module and agree with RQ's own; submission ids map to RQ ids and back."""

from __future__ import annotations

import re

import pytest
from rq.job import JOB_ID_PATTERN, Job
from rq.queue import Queue
from rq.registry import StartedJobRegistry
from rq.results import Result
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import job_id_for, new_submission_id, submission_id_for
from xcoder_wire.schemas import Priority


def test_rq_owned_keys_are_the_ones_rq_uses(sync_redis):
    queue = Queue(keys.queue_name(Priority.bulk), connection=sync_redis)
    assert keys.queue_key(Priority.bulk) == queue.key
    assert keys.intermediate_queue_key(Priority.bulk) == queue.intermediate_queue_key
    assert keys.started_registry_key(Priority.bulk) == StartedJobRegistry(queue=queue).key
    assert keys.job_key("abc") == Job.key_for("abc") == keys.job_key_prefix() + "abc"
    assert keys.result_key("abc") == Result.get_key("abc")
    assert keys.all_queues_key() == Queue.redis_queues_keys


def test_priorities_have_distinct_queues_and_dequeue_interactive_first():
    assert keys.PRIORITIES[0] is Priority.interactive
    assert len({keys.queue_key(p) for p in Priority}) == len(Priority)
    for p in Priority:
        assert keys.priority_of_queue(keys.queue_name(p)) is p
    with pytest.raises(KeyError):
        keys.priority_of_queue("default")


def test_service_keys_share_one_prefix_and_do_not_collide():
    built = [
        keys.done_channel(),
        keys.workers_key(),
        keys.worker_key("w1"),
        keys.janitor_lock_key(),
        keys.maintenance_lock_key(),
        keys.jobs_counter_key(),
        keys.latency_key("judge"),
        keys.latency_key("queue_wait"),
    ]
    assert all(k.startswith(keys.PREFIX + ":") for k in built)
    assert len(set(built)) == len(built)


@pytest.mark.parametrize(
    "submission_id",
    ["plain", "with.dot", "a:b:c", "under_score", "_5F", "x_2Ey", "..::__", "a-b-c", "0" * 128],
)
def test_job_ids_are_valid_for_rq_and_map_back(submission_id):
    job_id = job_id_for(submission_id)
    assert JOB_ID_PATTERN.fullmatch(job_id)
    assert ":" not in job_id  # RQ splits execution keys on colons
    assert submission_id_for(job_id) == submission_id


def test_distinct_submission_ids_never_share_a_job():
    ids = ["a.b", "a_2Eb", "a_b", "a_5Fb", "a:b", "a_3Ab", "a__b"]
    assert len({job_id_for(i) for i in ids}) == len(ids)


def test_server_ids_are_their_own_job_ids():
    sid = new_submission_id()
    assert re.fullmatch(r"[0-9a-f]{32}", sid)
    assert job_id_for(sid) == sid
