"""A job thread's own connection (worker/link.py) against real Redis: what it sends, and that its
replies never pair with the wrong commands."""

from __future__ import annotations

import uuid

import pytest
import redis
from redis.exceptions import ResponseError
from xcoder_judge.service.worker.link import JobLink, pack, queued


@pytest.fixture
def link(sync_redis):
    link = JobLink(sync_redis.connection_pool)
    yield link
    link.close()


@pytest.mark.parametrize(
    "args",
    [
        ("HSET", "k", "f", "v", "n", 7, "x", 1.5, "big", 1e20, "odd", 0.1 + 0.2, "neg", -3),
        ("XADD", "s", b"MAXLEN", b"~", "10", "*", "text", "é ünïcode ✓", "raw", b"\x00\xff"),
        ("EXPIRE", "k", 60),
        ("SCRIPT EXISTS", "abc"),  # a two-word name: redis-py splits it
        ("SET", "k", memoryview(b"view")),  # a type hiredis refuses: redis-py's packer
    ],
)
def test_commands_are_packed_byte_for_byte_as_redis_py_packs_them(args):
    conn = redis.Connection()  # packs only; never connects
    assert pack([args], conn) == b"".join(bytes(c) for c in conn.pack_command(*args))


def test_a_bool_argument_is_refused_as_redis_py_refuses_it():
    with pytest.raises(redis.DataError):
        pack([("SET", "k", True)], redis.Connection())


def test_the_commands_rq_queues_on_a_pipeline_are_sent_as_one_transaction(sync_redis, link):
    with sync_redis.pipeline() as pipe:
        pipe.hset("h", mapping={"a": "1", "b": 2})
        pipe.expire("h", 60)
        pipe.rpush("l", "x", "y")
        commands = queued(pipe)
    assert link.transaction(commands) == [2, 1, 2]
    assert sync_redis.hgetall("h") == {b"a": b"1", b"b": b"2"} and 0 < sync_redis.ttl("h") <= 60
    assert sync_redis.lrange("l", 0, -1) == [b"x", b"y"]


def test_a_sent_transaction_is_applied_before_its_replies_are_read(sync_redis, link):
    link.send_transaction([("SET", "started", "1")])
    assert link.pending
    with pytest.raises(RuntimeError, match="wait"):
        link.call("GET", "started")  # a reply read now would be the transaction's
    assert link.wait() == [b"OK"]
    assert not link.pending and link.wait() is None
    assert link.call("GET", "started") == b"1"


def test_an_error_inside_the_transaction_is_raised_once_and_the_connection_stays_in_step(sync_redis, link):
    sync_redis.set("a-string", "x")
    link.send_transaction([("SET", "before", "1"), ("SADD", "a-string", "m"), ("SET", "after", "1")])
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        link.wait()
    assert sync_redis.get("before") == b"1" and sync_redis.get("after") == b"1"  # as MULTI/EXEC does
    assert link.wait() is None
    assert link.call("PING") == b"PONG"


def test_a_command_refused_when_queued_aborts_the_whole_transaction(sync_redis, link):
    with pytest.raises(ResponseError):
        link.transaction([("SET", "never", "1"), ("NOSUCHCOMMAND", "x")])
    assert sync_redis.get("never") is None
    assert link.call("ECHO", "in step") == b"in step"


def test_a_script_this_redis_has_not_cached_is_sent_whole(sync_redis, link):
    body = f"-- {uuid.uuid4()}\nreturn {{KEYS[1], ARGV[1]}}"  # new text: not in Redis's script cache
    script = sync_redis.register_script(body)
    assert link.run_script(script, ["k"], ["v"]) == [b"k", b"v"]
    assert sync_redis.script_exists(script.sha) == [True]  # EVAL cached it: EVALSHA next time
    assert link.run_script(script, ["k2"], ["v2"]) == [b"k2", b"v2"]


def test_a_dropped_connection_is_reopened_for_the_next_command(sync_redis, link):
    """The command in flight when Redis drops the connection fails (it may have run: it is not
    sent again); the worker's loop retries, and the next command reconnects."""
    assert link.call("ECHO", "one") == b"one"
    sync_redis.client_kill_filter(_id=link.call("CLIENT", "ID"))
    try:
        link.call("ECHO", "lost")
    except redis.ConnectionError:
        pass
    assert link.call("ECHO", "two") == b"two"
