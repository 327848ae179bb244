"""The slots' request queues: which waiting request a free slot takes next (no sandbox involved)."""

from __future__ import annotations

import threading

import pytest
from xcoder_judge.engine.sandbox.scheduling import FairQueue, FifoQueue, Flow, compile_bounds, make_queue


def item(queue):
    """The next item without its kind."""
    taken = queue.get()
    return None if taken is None else taken[1]


def drain(queue) -> list[str]:
    out = []
    while len(queue):
        out.append(item(queue))
    return out


def big_then_small(queue) -> None:
    big = Flow(rank=1, caller=None, seq=1)
    for i in range(5):
        queue.put(big, f"big{i}")
    queue.put(Flow(rank=1, caller=None, seq=2), "small0")


def test_fair_a_later_small_submission_waits_for_one_batch_not_for_all():
    queue = FairQueue()
    big_then_small(queue)
    assert item(queue) == "big0"
    assert item(queue) == "small0"  # its turn comes right after the batch in hand
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
    assert item(queue) == "bulk0"
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
    assert item(queue) == "1.0"
    queue.put(Flow(rank=0, caller=None, seq=3), "3.0")
    assert drain(queue) == ["2.0", "1.1", "3.0", "2.1"]


@pytest.mark.parametrize("policy", ["fair", "mixed", "fifo"])
def test_get_blocks_until_work_arrives_and_close_releases_it(policy):
    queue = make_queue(policy)
    got = []
    t = threading.Thread(target=lambda: got.append(item(queue)))
    t.start()
    queue.put(Flow(rank=0, caller=None, seq=1), "x")
    t.join(5)
    assert got == ["x"]
    t = threading.Thread(target=lambda: got.append(item(queue)))
    t.start()
    queue.close()
    t.join(5)
    assert not t.is_alive() and got == ["x", None]


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="fair, mixed, fifo"):
        make_queue("lifo")  # type: ignore[arg-type]


# ------------------------------------------------------------------ compiles and runs


def sub(seq: int, rank: int = 1, caller: str | None = None) -> Flow:
    return Flow(rank=rank, caller=caller, seq=seq)


def test_fair_runs_of_built_programs_go_before_waiting_compiles_once_a_compile_runs():
    queue = FairQueue(compile_lanes=1, max_compiles=2)
    for seq in (1, 2, 3):
        queue.put(sub(seq), f"c{seq}", "compile")
    assert queue.get() == ("compile", "c1")  # nothing else to do: the compile lane takes it
    queue.put(sub(9), "r9.0")  # an earlier submission's tests, its program built
    queue.put(sub(9), "r9.1")
    # c1 holds the one compile lane: the next free slots finish submission 9 first ...
    assert queue.get() == ("run", "r9.0")
    assert queue.get() == ("run", "r9.1")
    # ... and with no run waiting they compile (up to max_compiles at once).
    assert queue.get() == ("compile", "c2")


def test_fair_keeps_a_compile_lane_open_while_runs_wait():
    queue = FairQueue(compile_lanes=1, max_compiles=2)
    for i in range(3):
        queue.put(sub(1, caller="A"), f"a{i}")
    queue.put(sub(2, caller="B"), "b-compile", "compile")
    # No compile runs: a free slot compiles B's program even though A's batches wait, so B
    # waits for no batch of A's, and B's tests later share the turns with A's.
    assert queue.get() == ("compile", "b-compile")
    assert drain(queue) == ["a0", "a1", "a2"]
    queue.done("compile")
    queue.put(sub(3, caller="B"), "b2-compile", "compile")
    queue.put(sub(1, caller="A"), "a3")
    assert queue.get() == ("compile", "b2-compile")  # the lane is free again


def test_fair_never_runs_more_compiles_than_its_bound():
    queue = FairQueue(compile_lanes=1, max_compiles=1)
    queue.put(sub(1), "c1", "compile")
    queue.put(sub(2), "c2", "compile")
    assert queue.get() == ("compile", "c1")
    got = []
    t = threading.Thread(target=lambda: got.append(queue.get()))
    t.start()
    t.join(0.3)
    assert t.is_alive() and not got  # c2 waits for c1's end, the slot for work it may take
    queue.put(sub(3), "r3")
    t.join(5)
    assert got == [("run", "r3")]  # a run may go meanwhile
    t = threading.Thread(target=lambda: got.append(queue.get()))
    t.start()
    t.join(0.3)
    assert t.is_alive()
    queue.done("compile")
    t.join(5)
    assert got == [("run", "r3"), ("compile", "c2")]


def test_fair_capped_interactive_compiles_let_a_bulk_run_go():
    queue = FairQueue(compile_lanes=1, max_compiles=1)
    queue.put(sub(1, rank=0), "i-c1", "compile")
    queue.put(sub(2, rank=0), "i-c2", "compile")
    queue.put(sub(3, rank=1), "bulk-run")
    assert queue.get() == ("compile", "i-c1")
    assert queue.get() == ("run", "bulk-run")  # the core is free, the interactive compile capped
    queue.done("compile")
    assert queue.get() == ("compile", "i-c2")


def test_fair_interactive_compiles_go_before_bulk_runs():
    queue = FairQueue(compile_lanes=0, max_compiles=2)
    queue.put(sub(1, rank=1), "bulk-run")
    queue.put(sub(2, rank=0), "i-compile", "compile")
    assert drain(queue) == ["i-compile", "bulk-run"]


def test_mixed_keeps_a_compile_in_its_submissions_turn():
    queue = make_queue("mixed", slots=2)
    queue.put(sub(1), "c1", "compile")
    queue.put(sub(2), "c2", "compile")
    assert queue.get() == ("compile", "c1")
    queue.put(sub(1), "r1.0")
    queue.put(sub(1), "r1.1")
    assert drain(queue) == ["c2", "r1.0", "r1.1"]  # the runs joined the back of the ring
    for _ in range(5):
        queue.done("compile")  # no compile bound: done is bookkeeping only


def test_compile_bounds_follow_slots_and_cpus():
    assert compile_bounds(2, cpus=2) == (1, 2)
    assert compile_bounds(16, cpus=16) == (8, 16)
    assert compile_bounds(8, cpus=4) == (4, 4)  # never more compiles at once than CPUs
    assert compile_bounds(1, cpus=8) == (0, 1)


def test_fair_with_one_slot_is_mixed():
    # One slot overlaps nothing: runs first would stall every new submission behind another's
    # whole test list, compiles first every test behind a flood of compiles.
    queue = make_queue("fair", slots=1)
    queue.put(sub(1), "r1.0")
    queue.put(sub(1), "r1.1")
    queue.put(sub(2), "c2", "compile")
    assert drain(queue) == ["r1.0", "c2", "r1.1"]
