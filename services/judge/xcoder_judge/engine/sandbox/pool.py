"""The slot pool: one thread per slot takes requests from one shared queue.

Which request a free slot takes next is the scheduling policy's choice (scheduling.py): by
default classes first, then callers and submissions in turn. A box failure is retried once on a
fresh box; a second failure is handed back as SlotError.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

from xcoder_judge.engine.sandbox.run_types import RunRequest, RunResult
from xcoder_judge.engine.sandbox.scheduling import Flow, Policy, RequestQueue, make_queue
from xcoder_judge.engine.sandbox.slot import Slot, SlotError

log = logging.getLogger(__name__)

# What a request is for when nobody said: an interactive submission of its own.
ANONYMOUS = Flow(rank=0, caller=None, seq=0)


class SlotPool:
    def __init__(self, slots: list[Slot], policy: Policy = "fair") -> None:
        self.slots = slots
        self._queue: RequestQueue[tuple[RunRequest, Future[RunResult]]] = make_queue(policy)
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._serve, args=(slot,), name=f"slot-{slot.index}", daemon=True)
            for slot in slots
        ]
        for t in self._threads:
            t.start()

    @property
    def busy(self) -> int:
        return self._busy

    def submit(self, req: RunRequest, flow: Flow = ANONYMOUS) -> Future[RunResult]:
        fut: Future[RunResult] = Future()
        self._queue.put(flow, (req, fut))
        return fut

    def _serve(self, slot: Slot) -> None:
        while True:
            taken = self._queue.get()
            if taken is None:
                return
            req, fut = taken
            if not fut.set_running_or_notify_cancel():
                continue
            with self._busy_lock:
                self._busy += 1
            try:
                fut.set_result(self._run(slot, req))
            except BaseException as e:  # the future carries it to the waiting judge
                fut.set_exception(e)
            finally:
                with self._busy_lock:
                    self._busy -= 1

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
