"""Which waiting sandbox request a free slot takes next.

Every request (a compile, a batch of at most a few tests, a checker run) belongs to a `Flow`:
one `judge()` call, its priority class and the caller it came from. Two policies:

- `fair` (default): the lowest class with waiting work goes first (interactive before bulk);
  within a class, callers take turns, and within a caller, submissions take turns, one request
  per turn; a submission's own requests keep their order. A small submission that arrives while
  a 10,000-test one runs waits for at most one batch per slot, and an interactive one overtakes
  bulk work at the next batch boundary.
- `fifo`: the oldest submission first, whatever its class (what the judge did before; kept for
  side-by-side benchmarks). A submission's tests finish together, newcomers wait behind them.

Both are plain in-memory queues guarded by one condition; `get` blocks until there is work or
the queue is closed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

Policy = Literal["fair", "fifo"]
POLICIES: tuple[Policy, ...] = ("fair", "fifo")

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
    def put(self, flow: Flow, item: T) -> None: ...

    def get(self) -> T | None:
        """The next item; None once the queue is closed."""
        ...

    def close(self) -> None: ...

    def __len__(self) -> int: ...


class FairQueue(Generic[T]):
    """Strict priority between classes; round-robin over callers, then over their submissions."""

    def __init__(self) -> None:
        # rank → caller group → submission seq → that submission's items, oldest first. The
        # OrderedDicts are the rings: the front takes the next turn and goes to the back.
        self._ranks: dict[int, OrderedDict[tuple[str, object], OrderedDict[int, deque[T]]]] = {}
        self._size = 0
        self._closed = False
        self._cond = threading.Condition()

    def put(self, flow: Flow, item: T) -> None:
        with self._cond:
            groups = self._ranks.setdefault(flow.rank, OrderedDict())
            flows = groups.setdefault(flow.group, OrderedDict())
            flows.setdefault(flow.seq, deque()).append(item)
            self._size += 1
            self._cond.notify()

    def get(self) -> T | None:
        with self._cond:
            while not self._size and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            rank = min(self._ranks)
            groups = self._ranks[rank]
            group, flows = groups.popitem(last=False)
            seq, items = flows.popitem(last=False)
            item = items.popleft()
            if items:
                flows[seq] = items  # its next turn after the caller's other submissions
            if flows:
                groups[group] = flows  # its next turn after the other callers
            if not groups:
                del self._ranks[rank]
            self._size -= 1
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return self._size


class FifoQueue(Generic[T]):
    """The oldest submission first (by `seq`), then in the order its requests were queued."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, T]] = []
        self._order = itertools.count()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, flow: Flow, item: T) -> None:
        with self._cond:
            heapq.heappush(self._heap, (flow.seq, next(self._order), item))
            self._cond.notify()

    def get(self) -> T | None:
        with self._cond:
            while not self._heap and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            return heapq.heappop(self._heap)[2]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return len(self._heap)


def make_queue(policy: Policy) -> RequestQueue:
    if policy == "fair":
        return FairQueue()
    if policy == "fifo":
        return FifoQueue()
    raise ValueError(f"unknown scheduling policy {policy!r}; expected one of {', '.join(POLICIES)}")
