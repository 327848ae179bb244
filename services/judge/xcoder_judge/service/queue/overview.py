"""The cluster at a glance (API side): queue depths, running jobs and live workers."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis
from xcoder_wire.schemas import Priority

from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.presence import WorkerRecord, read_live


@dataclass(frozen=True, slots=True)
class Overview:
    queued: dict[Priority, int]
    running: dict[Priority, int]
    workers: list[WorkerRecord]

    @property
    def slots_total(self) -> int:
        return sum(w.slots for w in self.workers)

    @property
    def slots_busy(self) -> int:
        return sum(w.slots_busy for w in self.workers)


async def read_overview(redis: aioredis.Redis) -> Overview:
    async with redis.pipeline(transaction=False) as pipe:
        for priority in keys.PRIORITIES:
            pipe.llen(keys.queue_key(priority))
            pipe.zcard(keys.started_registry_key(priority))
        replies = await pipe.execute()
    queued = {p: int(replies[2 * i]) for i, p in enumerate(keys.PRIORITIES)}
    running = {p: int(replies[2 * i + 1]) for i, p in enumerate(keys.PRIORITIES)}
    return Overview(queued=queued, running=running, workers=await read_live(redis))
