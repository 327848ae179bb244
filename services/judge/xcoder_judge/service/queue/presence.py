"""Worker presence: what each live worker offers, published by its heartbeat, read by the API.

A worker's record expires in Redis when its heartbeats stop (the TTL is Redis's clock, so hosts
with skewed clocks agree on who is alive). The set of names only lets readers find records;
a name whose record is gone belongs to a dead worker and is pruned by the janitor.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from pydantic import BaseModel, Field, ValidationError
from xcoder_wire.schemas import Capabilities, LanguageInfo

from xcoder_judge.service.queue import keys


class WorkerRecord(BaseModel):
    """One worker process as the API sees it."""

    name: str
    host: str
    pid: int
    version: str
    slots: int
    slots_busy: int
    job_threads: int
    draining: bool = False
    languages: list[LanguageInfo] = Field(default_factory=list)
    capabilities: Capabilities
    started_at: float
    heartbeat_at: float


def publish(pipeline: Any, record: WorkerRecord, *, ttl_s: float) -> None:
    """Queue the record refresh on a worker's (sync) pipeline."""
    pipeline.set(keys.worker_key(record.name), record.model_dump_json(), px=max(1, int(ttl_s * 1000)))
    pipeline.sadd(keys.workers_key(), record.name)


def withdraw(pipeline: Any, name: str) -> None:
    pipeline.delete(keys.worker_key(name))
    pipeline.srem(keys.workers_key(), name)


async def read_live(redis: aioredis.Redis) -> list[WorkerRecord]:
    """Records of the workers alive now, sorted by name."""
    names = sorted(n.decode() for n in await redis.smembers(keys.workers_key()))
    if not names:
        return []
    blobs = await redis.mget([keys.worker_key(name) for name in names])
    records: list[WorkerRecord] = []
    for blob in blobs:
        if blob is None:
            continue
        try:
            records.append(WorkerRecord.model_validate_json(blob))
        except ValidationError:
            continue  # a worker of another version; it is not counted as able to judge here
    return records
