"""The slot pool: one thread per slot takes batches from a shared priority queue.

Older submissions go first (the priority is the submission's arrival order), so a submission's
tests finish together instead of being interleaved with every newcomer's. A box failure is
retried once on a fresh box; a second failure is handed back as SlotError.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from concurrent.futures import Future

from xcoder_judge.engine.sandbox.slot import RunRequest, RunResult, Slot, SlotError

log = logging.getLogger(__name__)

_STOP = object()


class SlotPool:
    def __init__(self, slots: list[Slot]) -> None:
        self.slots = slots
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
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

    def submit(self, req: RunRequest, priority: int = 0) -> Future[RunResult]:
        fut: Future[RunResult] = Future()
        self._queue.put((priority, next(self._seq), req, fut))
        return fut

    def _serve(self, slot: Slot) -> None:
        while True:
            _, _, req, fut = self._queue.get()
            if req is _STOP:
                return
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
        for _ in self._threads:
            self._queue.put((-1, next(self._seq), _STOP, None))
        for t in self._threads:
            t.join(timeout=30)
        for slot in self.slots:
            slot.close()
