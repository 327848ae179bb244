"""Admit and enqueue submissions: bounded, idempotent and atomic, in one round trip.

One Lua script checks the queue bound, recognises ids that already have a job, writes the new
RQ job hashes and pushes their ids, all or nothing. A reused client id is answered with the
existing job when the submission is the same, and refused as a conflict when it is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.jobspec import DIGEST_FIELD, JobSpec

# KEYS: [1], [2] the queue lists whose lengths count towards the bound; [3] RQ's set of queue
# keys; then one (hash, queue list) pair per hash: a job, or a chunked submission's state.
# ARGV: [1] the bound, [2] the hash count; then per hash: job id, digest, push flag (1: put the
# id on the queue), field count f and the f field/value pairs.
# Returns {{-2, i, ...}} when hashes i, ... reuse an id with another digest, {{-1, depth}} when the
# new jobs do not fit (in both cases nothing is written), else one code per hash: 1 written,
# 0 already there with the same digest.
_ENQUEUE_LUA = f"""
local limit = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local fresh, seen, conflicts, pos = 0, {{}}, {{-2}}, 3
for i = 1, n do
  local key, digest = KEYS[2 + 2 * i], ARGV[pos + 1]
  local known = seen[key]
  if known == nil and redis.call('EXISTS', key) == 1 then
    known = redis.call('HGET', key, '{DIGEST_FIELD}') or ''
  end
  if known == nil then
    if ARGV[pos + 2] == '1' then fresh = fresh + 1 end
    seen[key] = digest
  elseif known ~= digest then
    conflicts[#conflicts + 1] = i
  end
  pos = pos + 4 + 2 * tonumber(ARGV[pos + 3])
end
if #conflicts > 1 then return conflicts end
local depth = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
if fresh > 0 and depth + fresh > limit then return {{-1, depth}} end
local codes = {{}}
pos = 3
for i = 1, n do
  local key, queue = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local nfields = tonumber(ARGV[pos + 3])
  if redis.call('EXISTS', key) == 1 then
    codes[i] = 0
  else
    redis.call('HSET', key, unpack(ARGV, pos + 4, pos + 3 + 2 * nfields))
    if ARGV[pos + 2] == '1' then
      redis.call('RPUSH', queue, ARGV[pos])
      redis.call('SADD', KEYS[3], queue)
    end
    codes[i] = 1
  end
  pos = pos + 4 + 2 * nfields
end
return codes
"""


class QueueFull(Exception):
    """The queues hold too many submissions to admit these ones; nothing was enqueued."""

    def __init__(self, depth: int, limit: int, incoming: int) -> None:
        super().__init__(f"the queue is full ({depth} queued, limit {limit}); {incoming} not admitted")
        self.depth = depth
        self.limit = limit
        self.incoming = incoming


class IdConflict(Exception):
    """A client id is already used by a different submission; nothing was enqueued."""

    def __init__(self, submission_ids: list[str]) -> None:
        super().__init__(f"id already used by a different submission: {', '.join(submission_ids)}")
        self.submission_ids = submission_ids


class Enqueuer:
    """Writes job specs with one script call per request."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._script = redis.register_script(_ENQUEUE_LUA)

    async def enqueue(self, specs: Sequence[JobSpec], *, max_queue: int) -> list[bool]:
        """Enqueue `specs`; per spec, True if it was new and False if its job already existed.

        Raises QueueFull or IdConflict, in which case nothing at all was written.
        """
        script_keys: list[str] = [
            keys.queue_key(keys.PRIORITIES[0]),
            keys.queue_key(keys.PRIORITIES[1]),
            keys.all_queues_key(),
        ]
        hashes = [h for spec in specs for h in spec.flattened()]
        args: list[object] = [max_queue, len(hashes)]
        for spec in hashes:
            script_keys.append(spec.hash_key)
            script_keys.append(keys.queue_key(spec.priority))
            args.extend((spec.job_id, spec.digest, 1 if spec.push else 0, len(spec.fields)))
            for field, value in spec.fields.items():
                args.append(field)
                args.append(value)
        codes = await self._script(keys=script_keys, args=args)
        if codes and codes[0] == -2:
            raise IdConflict(sorted({hashes[int(i) - 1].submission_id for i in codes[1:]}))
        if codes and codes[0] == -1:
            raise QueueFull(depth=int(codes[1]), limit=max_queue, incoming=len(specs))
        # A submission's own code is its first hash's (its job, or its chunked parent).
        out: list[bool] = []
        at = 0
        for spec in specs:
            out.append(codes[at] == 1)
            at += 1 + len(spec.children)
        return out
