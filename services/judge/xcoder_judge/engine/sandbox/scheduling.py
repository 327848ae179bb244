"""Which waiting sandbox request a free slot takes next.

Every request (a compile, a batch of at most a few tests, a checker run) belongs to a `Flow`:
one `judge()` call, its priority class and the caller it came from, and is of one `Kind`:
`compile` (building a program) or `run` (running built programs: tests, checkers). Policies:

- `fair` (default): the lowest class with waiting work goes first (interactive before bulk).
  Within a class, runs go before compiles: a run's program is built and its submission is only
  waiting for it, so finishing started work first shortens every submission's time in the
  judge without costing a core (a compile still runs on every slot no run needs). Two bounds
  keep compiles moving and the cores unoversubscribed: while compiles wait, `compile_lanes`
  slots (half of them, at least one when there are two or more) take a compile even when runs
  wait (the compile of the next submission overlaps the tests of the last), and at most
  `max_compiles` compiles (the CPU count) run at once. Within a kind, callers take turns, and
  within a caller, submissions take turns, one request per turn; a submission's own requests
  keep their order. A small submission that arrives while a 10,000-test one runs waits for at
  most one batch per slot, and an interactive one overtakes bulk work at the next batch boundary.
- `mixed`: `fair` without the kinds: a compile is one more request in its submission's turns
  (what `fair` did before; kept for side-by-side benchmarks).
- `fifo`: the oldest submission first, whatever its class or kind (what the judge did before
  `fair`). A submission's tests finish together, newcomers wait behind them.

All are plain in-memory queues guarded by one condition; `get` blocks until there is work a
free slot may take, or the queue is closed. The pool reports every request it took back with
`done(kind)` when it ends (the compile bounds count running compiles).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

Policy = Literal["fair", "mixed", "fifo"]
POLICIES: tuple[Policy, ...] = ("fair", "mixed", "fifo")
Kind = Literal["compile", "run"]
KINDS: tuple[Kind, ...] = ("compile", "run")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Flow:
    """Whom a sandbox request serves.

    `rank`: 0 for interactive work, 1 for bulk (lower goes first). `caller`: who sent the
    submission (an API key's fingerprint), or None when unknown, in which case the submission
    is a caller of its own. `seq`: the submission's arrival number, unique per `judge()` call.
    """

    rank: int
    caller: str | None
    seq: int

    @property
    def group(self) -> tuple[str, object]:
        return ("caller", self.caller) if self.caller is not None else ("submission", self.seq)


class RequestQueue(Protocol[T]):
    def put(self, flow: Flow, item: T, kind: Kind = "run") -> None: ...

    def get(self) -> tuple[Kind, T] | None:
        """The next item and its kind; None once the queue is closed."""
        ...

    def done(self, kind: Kind) -> None:
        """A request `get` handed out has ended."""
        ...

    def close(self) -> None: ...

    def __len__(self) -> int: ...


# caller group → submission seq → that submission's items, oldest first. The OrderedDicts are
# the rings: the front takes the next turn and goes to the back.
_Ring = OrderedDict[tuple[str, object], OrderedDict[int, deque]]


def _take(ring: _Ring):
    group, flows = ring.popitem(last=False)
    seq, items = flows.popitem(last=False)
    item = items.popleft()
    if items:
        flows[seq] = items  # its next turn after the caller's other submissions
    if flows:
        ring[group] = flows  # its next turn after the other callers
    return item


def compile_bounds(slots: int, cpus: int | None = None) -> tuple[int, int]:
    """(compile_lanes, max_compiles) for `slots` slots on `cpus` CPUs (default: this machine's).

    With one slot there is nothing to overlap: `fair` is then `mixed` (runs first would stall a
    new submission behind another's whole test list, compiles first every test behind a flood).
    """
    cpus = cpus or os.cpu_count() or 1
    return slots // 2, max(1, min(slots, cpus))


class FairQueue(Generic[T]):
    """Strict priority between classes; runs before compiles (with the two compile bounds);
    round-robin over callers, then over their submissions. `kinds=False`: the `mixed` policy."""

    def __init__(
        self, *, compile_lanes: int = 1, max_compiles: int | None = None, kinds: bool = True
    ) -> None:
        self._rings: dict[int, dict[Kind, _Ring]] = {}  # rank → kind → ring
        self._lanes = compile_lanes
        self._max_compiles = max_compiles if max_compiles is not None else 1 << 30
        self._kinds = kinds
        self._compiling = 0
        self._size = 0
        self._closed = False
        self._cond = threading.Condition()

    def put(self, flow: Flow, item: T, kind: Kind = "run") -> None:
        with self._cond:
            kinds = self._rings.setdefault(flow.rank, {})
            ring = kinds.setdefault(kind if self._kinds else "run", OrderedDict())
            flows = ring.setdefault(flow.group, OrderedDict())
            flows.setdefault(flow.seq, deque()).append((kind, item))
            self._size += 1
            self._cond.notify()

    def get(self) -> tuple[Kind, T] | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                taken = self._pick()
                if taken is not None:
                    self._size -= 1
                    return taken
                self._cond.wait()

    def _pick(self) -> tuple[Kind, T] | None:
        for rank in sorted(self._rings):
            kinds = self._rings[rank]
            runs, compiles = kinds.get("run"), kinds.get("compile")
            may_compile = bool(compiles) and self._compiling < self._max_compiles
            if may_compile and (not runs or self._compiling < self._lanes):
                ring, kind = compiles, "compile"
            elif runs:
                ring, kind = runs, "run"
            else:
                continue  # only compiles wait here, and enough run: a run of a lower class may go
            taken = _take(ring)
            if not ring:
                del kinds[kind]
                if not kinds:
                    del self._rings[rank]
            if kind == "compile":
                self._compiling += 1
            return taken
        return None

    def done(self, kind: Kind) -> None:
        if kind == "compile" and self._kinds:
            with self._cond:
                self._compiling -= 1
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return self._size


class FifoQueue(Generic[T]):
    """The oldest submission first (by `seq`), then in the order its requests were queued."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, tuple[Kind, T]]] = []
        self._order = itertools.count()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, flow: Flow, item: T, kind: Kind = "run") -> None:
        with self._cond:
            heapq.heappush(self._heap, (flow.seq, next(self._order), (kind, item)))
            self._cond.notify()

    def get(self) -> tuple[Kind, T] | None:
        with self._cond:
            while not self._heap and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            return heapq.heappop(self._heap)[2]

    def done(self, kind: Kind) -> None:
        pass

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return len(self._heap)


def make_queue(policy: Policy, slots: int = 2, cpus: int | None = None) -> RequestQueue:
    """The queue of `policy` for a pool of `slots` slots on `cpus` CPUs (default: this machine's)."""
    if policy == "fair" and slots > 1:
        lanes, most = compile_bounds(slots, cpus)
        return FairQueue(compile_lanes=lanes, max_compiles=most)
    if policy in ("fair", "mixed"):  # one slot: nothing to overlap, see compile_bounds
        return FairQueue(kinds=False)
    if policy == "fifo":
        return FifoQueue()
    raise ValueError(f"unknown scheduling policy {policy!r}; expected one of {', '.join(POLICIES)}")
