"""The slots' request queues: which waiting request a free slot takes next (no sandbox involved)."""

from __future__ import annotations

import threading

import pytest
from xcoder_judge.engine.sandbox.scheduling import FairQueue, FifoQueue, Flow, make_queue


def drain(queue) -> list[str]:
    out = []
    while len(queue):
        out.append(queue.get())
    return out


def big_then_small(queue) -> None:
    big = Flow(rank=1, caller=None, seq=1)
    for i in range(5):
        queue.put(big, f"big{i}")
    queue.put(Flow(rank=1, caller=None, seq=2), "small0")


def test_fair_a_later_small_submission_waits_for_one_batch_not_for_all():
    queue = FairQueue()
    big_then_small(queue)
    assert queue.get() == "big0"
    assert queue.get() == "small0"  # its turn comes right after the batch in hand
    assert drain(queue) == ["big1", "big2", "big3", "big4"]


def test_fifo_keeps_the_old_order_oldest_submission_first():
    queue = FifoQueue()
    big_then_small(queue)
    assert drain(queue) == ["big0", "big1", "big2", "big3", "big4", "small0"]


def test_fair_interactive_overtakes_bulk_at_the_next_batch():
    queue = FairQueue()
    bulk = Flow(rank=1, caller=None, seq=1)
    for i in range(3):
        queue.put(bulk, f"bulk{i}")
    assert queue.get() == "bulk0"
    interactive = Flow(rank=0, caller=None, seq=2)
    queue.put(interactive, "i0")
    queue.put(interactive, "i1")
    assert drain(queue) == ["i0", "i1", "bulk1", "bulk2"]


def test_fifo_ignores_the_class():
    queue = FifoQueue()
    queue.put(Flow(rank=1, caller=None, seq=1), "bulk0")
    queue.put(Flow(rank=0, caller=None, seq=2), "i0")
    assert drain(queue) == ["bulk0", "i0"]


def test_fair_callers_take_turns_whatever_their_submission_count():
    queue = FairQueue()
    # Caller A floods with three submissions of two batches each; caller B sends one.
    for seq in (1, 2, 3):
        for k in range(2):
            queue.put(Flow(rank=0, caller="A", seq=seq), f"A{seq}.{k}")
    queue.put(Flow(rank=0, caller="B", seq=4), "B4.0")
    queue.put(Flow(rank=0, caller="B", seq=4), "B4.1")
    order = drain(queue)
    # B gets every other turn; A's submissions share A's turns among themselves.
    assert order[:4] == ["A1.0", "B4.0", "A2.0", "B4.1"]
    assert order[4:] == ["A3.0", "A1.1", "A2.1", "A3.1"]


def test_fair_a_submission_keeps_its_own_order():
    queue = FairQueue()
    flows = [Flow(rank=0, caller=None, seq=s) for s in (1, 2)]
    for i in range(4):
        for f in flows:
            queue.put(f, (f.seq, i))
    got = drain(queue)
    for seq in (1, 2):
        assert [i for s, i in got if s == seq] == [0, 1, 2, 3]


def test_a_new_flow_joins_the_back_of_the_ring():
    queue = FairQueue()
    for seq in (1, 2):
        for i in range(2):
            queue.put(Flow(rank=0, caller=None, seq=seq), f"{seq}.{i}")
    assert queue.get() == "1.0"
    queue.put(Flow(rank=0, caller=None, seq=3), "3.0")
    assert drain(queue) == ["2.0", "1.1", "3.0", "2.1"]


@pytest.mark.parametrize("policy", ["fair", "fifo"])
def test_get_blocks_until_work_arrives_and_close_releases_it(policy):
    queue = make_queue(policy)
    got = []
    t = threading.Thread(target=lambda: got.append(queue.get()))
    t.start()
    queue.put(Flow(rank=0, caller=None, seq=1), "x")
    t.join(5)
    assert got == ["x"]
    t = threading.Thread(target=lambda: got.append(queue.get()))
    t.start()
    queue.close()
    t.join(5)
    assert not t.is_alive() and got == ["x", None]


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="fair, fifo"):
        make_queue("lifo")  # type: ignore[arg-type]
