"""Merge concurrent small judge calls into batch requests.

verl 0.9 scores each finished rollout with its own `compute_score` call, concurrently from one
event loop per reward worker. Sent one by one, that is one HTTP round trip per rollout. The
coalescer collects the calls that arrive within `max_wait_s` (or until `max_items`
submissions are waiting) and sends them as one `judge()` call, then hands each caller its own
slice of the results, by position in the merged list (which `judge()` returns in order).

A coalescer and its client belong to one event loop. `shared_coalescer()` keeps one per
running loop and settings, so a long-lived loop (verl) reuses it and a fresh loop per step
(ms-swift's `asyncio.run`) gets a fresh one, never a client from a dead loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Hashable, Sequence

from xcoder_wire.schemas import Submission, SubmissionResult

from xcoder_client._base import OnError
from xcoder_client.async_client import AsyncJudgeClient

DEFAULT_MAX_ITEMS = 1024
DEFAULT_MAX_WAIT_S = 0.02


class BatchCoalescer:
    """Coalesce concurrent `judge()` calls on one loop into fewer, larger judge calls."""

    def __init__(
        self,
        client: AsyncJudgeClient,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        on_error: OnError = "unscored",
    ) -> None:
        if max_items < 1 or max_wait_s < 0:
            raise ValueError("need max_items >= 1 and max_wait_s >= 0")
        self.client = client
        self.max_items = max_items
        self.max_wait_s = max_wait_s
        self.on_error: OnError = on_error
        self._waiting: list[tuple[Sequence[Submission], asyncio.Future[list[SubmissionResult]]]] = []
        self._waiting_items = 0
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.max_inflight = client.max_concurrency
        """Judge calls in flight at once; while all are busy, new calls accumulate into one batch."""
        self.flushes = 0
        """Judge calls made so far (for diagnostics and tests)."""

    async def judge(self, submissions: Sequence[Submission]) -> list[SubmissionResult]:
        """Results for `submissions`, in order, judged together with concurrent callers'."""
        if not submissions:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[SubmissionResult]] = loop.create_future()
        self._waiting.append((submissions, future))
        self._waiting_items += len(submissions)
        if self._waiting_items >= self.max_items:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting:
            return
        if len(self._tasks) >= self.max_inflight and self._waiting_items < self.max_items:
            return  # every call is busy: keep collecting; the next one to finish flushes (Nagle-style)
        batch, self._waiting, self._waiting_items = self._waiting, [], 0
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._waiting and self._timer is None:
            self._flush()

    async def _run(
        self, batch: list[tuple[Sequence[Submission], asyncio.Future[list[SubmissionResult]]]]
    ) -> None:
        self.flushes += 1
        merged = [sub for subs, _ in batch for sub in subs]
        try:
            results = await self.client.judge(merged, on_error=self.on_error)
        except BaseException as exc:  # every waiting caller gets the failure, cancellation included
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        offset = 0
        for subs, future in batch:
            if not future.done():  # a caller that was cancelled no longer wants its slice
                future.set_result(results[offset : offset + len(subs)])
            offset += len(subs)


_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, BatchCoalescer]] = (
    weakref.WeakKeyDictionary()
)


def shared_coalescer(key: Hashable, factory: Callable[[], BatchCoalescer]) -> BatchCoalescer:
    """The coalescer for `key` on the running loop, made by `factory` on first use in that loop."""
    per_loop = _shared.setdefault(asyncio.get_running_loop(), {})
    coalescer = per_loop.get(key)
    if coalescer is None:
        coalescer = per_loop[key] = factory()
    return coalescer
