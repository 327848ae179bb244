"""Completion notices: workers publish a job id when its job may have ended; the API wakes waiters.

A waiting HTTP request holds no Redis connection. Each API process keeps ONE subscription to
the notice channel and resolves in-memory futures, so thousands of waiting requests cost nothing
but memory. A notice can be missed (the subscription reconnecting after a Redis restart), so one
poller per process also checks every watched job at a bounded interval with one pipelined read.
A notice only means "look again": waiters re-read the job state and wait on if it did not end,
except that a notice sent with the finished job's result (results up to NOTICE_RESULT_MAX_BYTES)
is that result, so the common case needs no read at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions

from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.state import is_terminal

log = logging.getLogger("xcoder_judge.api.notices")

_POLL_CHUNK = 1000
_RECONNECT_MAX_S = 2.0
_CLOSE_TIMEOUT_S = 2.0
NOTICE_RESULT_MAX_BYTES = 64 << 10


def publish_done(pipeline: Any, job_id: str, result_json: str | None = None) -> None:
    """Queue the notice on a (sync) pipeline, inside the state change it announces.

    `result_json` only for a job that FINISHED in that same transaction; large results are left
    for the waiter to read (every API replica receives every notice).
    """
    if result_json is not None and len(result_json) <= NOTICE_RESULT_MAX_BYTES:
        pipeline.publish(keys.done_channel(), f"{job_id}\n{result_json}")
    else:
        pipeline.publish(keys.done_channel(), job_id)


class Watch:
    """The futures of one request's jobs; a notice wakes one wait, later waits need a new one."""

    def __init__(self, waiter: CompletionWaiter, job_ids: Iterable[str]) -> None:
        self._waiter = waiter
        self._futures: dict[str, asyncio.Future[str | None]] = {}
        self._consumed: set[str] = set()
        for job_id in job_ids:
            if job_id not in self._futures:
                self._futures[job_id] = waiter._arm(job_id)

    def add(self, job_ids: Iterable[str]) -> None:
        """Watch more jobs (found after the watch began: read their state after this call)."""
        for job_id in job_ids:
            if job_id not in self._futures:
                self._futures[job_id] = self._waiter._arm(job_id)

    async def wait(self, job_ids: Iterable[str], timeout: float) -> dict[str, str]:
        """Until each of `job_ids` got a notice not seen by an earlier wait, or `timeout` seconds.

        Returns the results that came with the notices, by job id (finished jobs only).
        """
        pending: list[asyncio.Future[str | None]] = []
        asked: list[str] = []
        for job_id in job_ids:
            future = self._futures[job_id]
            if job_id in self._consumed:
                self._consumed.discard(job_id)
                self._waiter._disarm(job_id, future)
                future = self._futures[job_id] = self._waiter._arm(job_id)
            pending.append(future)
            asked.append(job_id)
        if pending and timeout > 0:
            await asyncio.wait(pending, timeout=timeout)
        self._consumed.update(job_id for job_id, future in self._futures.items() if future.done())
        delivered: dict[str, str] = {}
        for job_id, future in zip(asked, pending, strict=True):
            if future.done() and (payload := future.result()) is not None:
                delivered[job_id] = payload
        return delivered

    def close(self) -> None:
        for job_id, future in self._futures.items():
            self._waiter._disarm(job_id, future)
        self._futures.clear()


class CompletionWaiter:
    """One per API process: a subscription and a poller that wake watched jobs' futures."""

    def __init__(self, redis: aioredis.Redis, *, poll_interval_s: float = 1.0) -> None:
        self._redis = redis
        self._poll_interval_s = poll_interval_s
        self._futures: dict[str, set[asyncio.Future[str | None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.draining = False
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="completion-notices"),
            asyncio.create_task(self._poll(), name="completion-poller"),
        ]

    async def close(self) -> None:
        # A flag as well as cancel(): redis-py can turn a cancellation that lands while it
        # connects into a timeout error and retry, so the loops must also stop by themselves.
        self._closing = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=_CLOSE_TIMEOUT_S)
        self._tasks = []

    def drain(self) -> None:
        """Shutting down: end every wait now (callers answer with the state they have) and
        refuse to wait from here on, so the server need not sit out long polls."""
        self.draining = True
        for futures in self._futures.values():
            for future in futures:
                if not future.done():
                    future.set_result(None)

    @contextlib.contextmanager
    def watch(self, job_ids: Iterable[str]) -> Iterator[Watch]:
        """Register interest before reading state or enqueueing, so no notice slips between."""
        watch = Watch(self, job_ids)
        try:
            yield watch
        finally:
            watch.close()

    @property
    def watched(self) -> int:
        return len(self._futures)

    # ------------------------------------------------------------------ internals

    def _arm(self, job_id: str) -> asyncio.Future[str | None]:
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._futures.setdefault(job_id, set()).add(future)
        return future

    def _disarm(self, job_id: str, future: asyncio.Future[str | None]) -> None:
        futures = self._futures.get(job_id)
        if futures is None:
            return
        futures.discard(future)
        if not futures:
            del self._futures[job_id]

    def _wake(self, job_id: str, result_json: str | None = None) -> None:
        for future in self._futures.get(job_id, ()):
            if not future.done():
                future.set_result(result_json)

    async def _listen(self) -> None:
        delay = 0.05
        while not self._closing:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(keys.done_channel())
                self.subscribed.set()
                if delay > 0.05:
                    log.info("completion notices: subscribed again")
                delay = 0.05
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        job_id, _, result_json = message["data"].decode().partition("\n")
                        self._wake(job_id, result_json or None)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
                if self.subscribed.is_set():
                    log.warning("completion notices: subscription lost (%s); polling until it is back", exc)
            finally:
                self.subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            if self._closing:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX_S)

    async def _poll(self) -> None:
        while not self._closing:
            await asyncio.sleep(self._poll_interval_s)
            job_ids = [
                job_id for job_id, futures in self._futures.items() if any(not f.done() for f in futures)
            ]
            for start in range(0, len(job_ids), _POLL_CHUNK):
                chunk = job_ids[start : start + _POLL_CHUNK]
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for job_id in chunk:
                            pipe.hget(keys.job_key(job_id), "status")
                        statuses = await pipe.execute()
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                    break  # Redis is away; the waiters' own deadlines still hold
                for job_id, status in zip(chunk, statuses, strict=True):
                    if is_terminal(status):
                        self._wake(job_id)
