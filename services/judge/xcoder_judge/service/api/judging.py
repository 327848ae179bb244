"""The one path every API surface takes: validate, enqueue, wait, read (native and compat alike)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from xcoder_wire.admission import SubmissionError, check_submission
from xcoder_wire.schemas import JobStatus, Submission, SubmissionResult

from xcoder_judge.config import Settings
from xcoder_judge.service.api.coalesce import Coalescer, member_result
from xcoder_judge.service.api.errors import FieldError, NotFound
from xcoder_judge.service.api.languages import LanguageDirectory, Offer
from xcoder_judge.service.metrics.tenants import count_submissions
from xcoder_judge.service.queue.enqueue import Enqueuer, QueueFull
from xcoder_judge.service.queue.ids import job_id_for, new_submission_id, submission_id_for
from xcoder_judge.service.queue.jobspec import JobSpec, build_job_spec, submission_digest
from xcoder_judge.service.queue.members import Member, read_members, record_members
from xcoder_judge.service.queue.notify import CompletionWaiter, Watch
from xcoder_judge.service.queue.state import JobState, finished_state, read_states

# Building many job hashes (JSON + zlib) is CPU work: off the event loop beyond this many.
_INLINE_BUILD_MAX = 8
# How often a request that waits for room in a full queue tries again (doubling up to the max).
_ROOM_RETRY_FIRST_S = 0.05
_ROOM_RETRY_MAX_S = 1.0

Loc = Callable[[int], list[str | int]]


def single_loc(_: int) -> list[str | int]:
    return ["body"]


def batch_loc(i: int) -> list[str | int]:
    return ["body", "submissions", i]


@dataclass(slots=True)
class Services:
    """What the API process holds for its lifetime (created in the lifespan)."""

    settings: Settings
    redis: aioredis.Redis
    waiter: CompletionWaiter
    enqueuer: Enqueuer
    languages: LanguageDirectory
    coalescer: Coalescer | None = None  # None or window 0: every request is its own job


class Judging:
    def __init__(self, services: Services, *, tenant: str | None = None) -> None:
        """`tenant`: whose namespace the ids are in (queue/ids.py) and whose turn its jobs take on
        the workers' slots (the FairQueue's caller); None in open mode."""
        self._s = services
        self._tenant = tenant

    @property
    def tenant(self) -> str | None:
        return self._tenant

    async def submit(
        self,
        submissions: Sequence[Submission],
        *,
        wait_s: float,
        loc: Loc = single_loc,
        wait_for_room: bool = False,
    ) -> list[JobState]:
        """Enqueue (or find) each submission and wait up to `wait_s` for all of them to be done.

        A full queue raises QueueFull at once (the native API answers 429, which our clients
        retry), or with `wait_for_room` only once `wait_s` has passed without room: compat
        callers cannot be taught to retry a 429, so their requests queue up here instead.
        """
        settings = self._s.settings
        if len(submissions) > settings.max_queue:
            raise FieldError(
                ["body", "submissions"],
                f"{len(submissions)} submissions can never fit the queue (XCODER_JUDGE_MAX_QUEUE={settings.max_queue}); "
                "send smaller batches",
                kind="too_many",
                status=413,
            )
        offer = await self._s.languages.offer()
        canonical = [_checked(sub, offer, loc(i)) for i, sub in enumerate(submissions)]
        if len(canonical) <= _INLINE_BUILD_MAX:
            specs = self._specs(canonical)
        else:
            specs = await asyncio.to_thread(self._specs, canonical)
        job_ids = [spec.job_id for spec in specs]
        deadline = time.monotonic() + wait_s
        with self._s.waiter.watch(job_ids) as watch:
            fresh = await self._enqueue(specs, deadline if wait_for_room else None)
            count_submissions(self._tenant, self._s.settings.key_ring.tenants, sum(fresh))
            known = [i for i, new in enumerate(fresh) if not new]
            states: list[JobState | None] = [
                JobState(spec.submission_id, JobStatus.queued, None) for spec in specs
            ]
            if known:
                for i, state in zip(
                    known, await read_states(self._s.redis, [job_ids[i] for i in known]), strict=True
                ):
                    states[i] = state
            states = await self._wait(watch, job_ids, states, deadline)
        return [
            s if s is not None else JobState(spec.submission_id, JobStatus.queued, None)
            for s, spec in zip(states, specs, strict=True)
        ]

    async def judge_one(
        self, submission: Submission, *, wait_s: float, loc: Loc = single_loc
    ) -> SubmissionResult | None:
        """One submission's result, or None when it was not done within `wait_s` (compat routes).

        A one-test submission goes through the coalescer when its window is on (coalesce.py);
        a full queue raises QueueFull only once `wait_s` has passed without room.
        """
        coalescer = self._s.coalescer
        if coalescer is not None and coalescer.enabled and len(submission.tests) == 1:
            checked = _checked(submission, await self._s.languages.offer(), loc(0))
            return await coalescer.judge_one(self, checked, caller=self._tenant, wait_s=wait_s)
        [state] = await self.submit([submission], wait_s=wait_s, loc=loc, wait_for_room=True)
        if state.status is not JobStatus.done or state.result_json is None:
            return None
        return SubmissionResult.model_validate_json(state.result_json)

    async def lookup(self, submission_ids: Sequence[str], *, wait_s: float) -> list[JobState]:
        """States of existing submissions, waiting up to `wait_s` for them to be done.

        An id without a job of its own may be a coalesced member's: it is then read through
        its group's job (queue/members.py), as its own one-test result.
        """
        job_ids = [job_id_for(sid, self._tenant) for sid in submission_ids]
        deadline = time.monotonic() + wait_s
        with self._s.waiter.watch(job_ids) as watch:
            states = await read_states(self._s.redis, job_ids)
            members: dict[str, Member] = {}
            unknown = [jid for jid, state in zip(job_ids, states, strict=True) if state is None]
            if unknown:
                members = await read_members(self._s.redis, unknown)
                groups = sorted({m.group_job_id for m in members.values()})
                watch.add(groups)
                group_states = dict(zip(groups, await read_states(self._s.redis, groups), strict=True))
                states = [
                    group_states[members[jid].group_job_id] if jid in members else state
                    for jid, state in zip(job_ids, states, strict=True)
                ]
            watched = [members[jid].group_job_id if jid in members else jid for jid in job_ids]
            missing = [sid for sid, state in zip(submission_ids, states, strict=True) if state is None]
            if missing:
                raise NotFound(missing)
            states = await self._wait(watch, watched, states, deadline)
        missing = [sid for sid, state in zip(submission_ids, states, strict=True) if state is None]
        if missing:
            raise NotFound(missing)
        return [
            _member_state(sid, state, members[jid].index) if jid in members else state
            for sid, jid, state in zip(submission_ids, job_ids, states, strict=True)
            if state is not None
        ]

    async def record_members(self, group_submission_id: str, members: Sequence[tuple[str, int]]) -> None:
        """Make coalesced members (own id, index in the group's job) findable by their own ids."""
        await record_members(
            self._s.redis,
            job_id_for(group_submission_id, self._tenant),
            [(job_id_for(sid, self._tenant), index) for sid, index in members],
            ttl_s=self._s.settings.result_ttl_s,
        )

    # ------------------------------------------------------------------ internals

    async def _enqueue(self, specs: list[JobSpec], room_deadline: float | None) -> list[bool]:
        """Enqueue all or nothing; with `room_deadline`, retry a full queue until then."""
        delay = _ROOM_RETRY_FIRST_S
        while True:
            try:
                return await self._s.enqueuer.enqueue(specs, max_queue=self._s.settings.max_queue)
            except QueueFull:
                remaining = 0.0 if room_deadline is None else room_deadline - time.monotonic()
                if remaining <= 0 or self._s.waiter.draining:
                    raise
                await asyncio.sleep(min(delay, remaining))
                delay = min(2 * delay, _ROOM_RETRY_MAX_S)

    async def _wait(
        self, watch: Watch, job_ids: list[str], states: list[JobState | None], deadline: float
    ) -> list[JobState | None]:
        while True:
            pending = sorted(
                {
                    jid
                    for jid, s in zip(job_ids, states, strict=True)
                    if s is not None and not s.status.terminal
                }
            )
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0 or self._s.waiter.draining:
                return states
            delivered = await watch.wait(pending, remaining)
            fresh: dict[str, JobState | None] = {
                jid: finished_state(submission_id_for(jid), text) for jid, text in delivered.items()
            }
            unread = [jid for jid in pending if jid not in delivered]
            if unread:
                fresh.update(zip(unread, await read_states(self._s.redis, unread), strict=True))
            states = [
                fresh.get(jid, s) if jid in fresh else s for jid, s in zip(job_ids, states, strict=True)
            ]

    def _specs(self, submissions: list[Submission]) -> list[JobSpec]:
        settings = self._s.settings
        specs: list[JobSpec] = []
        for sub in submissions:
            if sub.id is not None:
                sid, digest = sub.id, submission_digest(sub)
            else:
                sid, digest = new_submission_id(), ""
            specs.append(
                build_job_spec(
                    sub,
                    submission_id=sid,
                    digest=digest,
                    retries=settings.job_retries,
                    result_ttl_s=settings.result_ttl_s,
                    connection=self._s.redis,
                    chunk_tests=settings.chunk_tests,
                    in_flight=settings.chunks_in_flight,
                    tenant=self._tenant,
                )
            )
        return specs


def _member_state(submission_id: str, group: JobState, index: int) -> JobState:
    """A coalesced member's own state: its group's, with only its own test's result."""
    if group.result_json is None:
        return JobState(submission_id, group.status, None)
    own = member_result(SubmissionResult.model_validate_json(group.result_json), index, submission_id)
    return JobState(submission_id, group.status, own.model_dump_json())


def _checked(sub: Submission, offer: Offer, loc: list[str | int]) -> Submission:
    """The submission with canonical language ids, or a 400 naming the field."""
    try:
        return check_submission(sub, offer.check)
    except SubmissionError as e:
        raise FieldError([*loc, *e.loc], e.msg, kind=e.kind) from None


__all__ = ["Judging", "QueueFull", "Services", "batch_loc", "single_loc"]
