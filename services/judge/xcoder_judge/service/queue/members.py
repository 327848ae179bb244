"""Coalesced requests by their own id: where each member's test runs (API side).

A merged group is one job under the group's id; a member that has an id of its own (a
content-derived `/run_code` id) has no job. Its record points at the group's job and the index of
its test there, so `GET /v1/submissions/{id}` and a lookup find it like any submission. Records
expire with the results they point to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from xcoder_judge.service.queue import keys


@dataclass(frozen=True, slots=True)
class Member:
    group_job_id: str
    index: int


async def record_members(
    redis: aioredis.Redis, group_job_id: str, members: Sequence[tuple[str, int]], *, ttl_s: int
) -> None:
    """`members`: (member job id, its test's index in the group's job); one round trip."""
    if not members:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for job_id, index in members:
            pipe.set(keys.member_key(job_id), json.dumps([group_job_id, index]), ex=max(1, ttl_s))
        await pipe.execute()


async def read_members(redis: aioredis.Redis, job_ids: Sequence[str]) -> dict[str, Member]:
    """The members among `job_ids` (ids without a job of their own), in one round trip."""
    if not job_ids:
        return {}
    found: dict[str, Member] = {}
    for job_id, raw in zip(job_ids, await redis.mget([keys.member_key(j) for j in job_ids]), strict=True):
        if raw is None:
            continue
        try:
            group_job_id, index = json.loads(raw)
            found[job_id] = Member(str(group_job_id), int(index))
        except (ValueError, TypeError):
            continue  # not ours: treated as unknown
    return found
