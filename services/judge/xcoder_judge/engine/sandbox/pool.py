"""The slot pool: one thread per slot takes requests from one shared queue.

Which request a free slot takes next is the scheduling policy's choice (scheduling.py): by
default classes first, runs of built programs before compiles, then callers and submissions in
turn. A box failure is retried once on a fresh box; a second failure is handed back as
SlotError. `stats()` says, per kind of request, how many ran, how long they held a slot and how
long they waited for one (what a benchmark reads to tell busy slots from idle ones).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from xcoder_judge.engine.sandbox.run_types import RunRequest, RunResult
from xcoder_judge.engine.sandbox.scheduling import KINDS, Flow, Kind, Policy, RequestQueue, make_queue
from xcoder_judge.engine.sandbox.slot import Slot, SlotError

log = logging.getLogger(__name__)

# What a request is for when nobody said: an interactive submission of its own.
ANONYMOUS = Flow(rank=0, caller=None, seq=0)


@dataclass
class KindStats:
    """Totals since the pool started for one kind of request (seconds of wall time)."""

    requests: int = 0
    busy_s: float = 0.0  # on a slot, from taking the request to its result
    wait_s: float = 0.0  # queued, from `submit` to a slot taking it


class SlotPool:
    def __init__(self, slots: list[Slot], policy: Policy = "fair") -> None:
        self.slots = slots
        self._queue: RequestQueue[tuple[RunRequest, Future[RunResult], float]] = make_queue(
            policy, len(slots)
        )
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._stats = {kind: KindStats() for kind in KINDS}
        self._threads = [
            threading.Thread(target=self._serve, args=(slot,), name=f"slot-{slot.index}", daemon=True)
            for slot in slots
        ]
        for t in self._threads:
            t.start()

    @property
    def busy(self) -> int:
        return self._busy

    def stats(self) -> dict[Kind, KindStats]:
        """A copy of the per-kind totals."""
        with self._busy_lock:
            return {kind: KindStats(s.requests, s.busy_s, s.wait_s) for kind, s in self._stats.items()}

    def submit(self, req: RunRequest, flow: Flow = ANONYMOUS, kind: Kind = "run") -> Future[RunResult]:
        fut: Future[RunResult] = Future()
        self._queue.put(flow, (req, fut, time.monotonic()), kind)
        return fut

    def _serve(self, slot: Slot) -> None:
        while True:
            taken = self._queue.get()
            if taken is None:
                return
            kind, (req, fut, queued) = taken
            try:
                if not fut.set_running_or_notify_cancel():
                    continue
                started = time.monotonic()
                with self._busy_lock:
                    self._busy += 1
                try:
                    fut.set_result(self._run(slot, req))
                except BaseException as e:  # the future carries it to the waiting judge
                    fut.set_exception(e)
                finally:
                    ended = time.monotonic()
                    with self._busy_lock:
                        self._busy -= 1
                        st = self._stats[kind]
                        st.requests += 1
                        st.busy_s += ended - started
                        st.wait_s += started - queued
            finally:
                self._queue.done(kind)

    @staticmethod
    def _run(slot: Slot, req: RunRequest) -> RunResult:
        try:
            return slot.run(req)
        except SlotError as first:
            log.warning("%s; retrying on a fresh box", first)
            return slot.run(req)

    def close(self) -> None:
        self._queue.close()
        for t in self._threads:
            t.join(timeout=30)
        for slot in self.slots:
            slot.close()
