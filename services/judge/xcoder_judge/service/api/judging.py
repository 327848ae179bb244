"""The one path every API surface takes: validate, enqueue, wait, read (native and compat alike)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from xcoder_wire.schemas import JobStatus, ProgramChecker, Submission

from xcoder_judge.config import Settings
from xcoder_judge.service.api.errors import FieldError, NotFound
from xcoder_judge.service.api.languages import LanguageDirectory, Offer, runs_harness_tests
from xcoder_judge.service.queue.enqueue import Enqueuer, QueueFull
from xcoder_judge.service.queue.ids import job_id_for, new_submission_id, submission_id_for
from xcoder_judge.service.queue.jobspec import JobSpec, build_job_spec, submission_digest
from xcoder_judge.service.queue.notify import CompletionWaiter, Watch
from xcoder_judge.service.queue.state import JobState, read_states

# Building many job hashes (JSON + zlib) is CPU work: off the event loop beyond this many.
_INLINE_BUILD_MAX = 8

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


class Judging:
    def __init__(self, services: Services) -> None:
        self._s = services

    async def submit(
        self, submissions: Sequence[Submission], *, wait_s: float, loc: Loc = single_loc
    ) -> list[JobState]:
        """Enqueue (or find) each submission and wait up to `wait_s` for all of them to be done."""
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
        canonical = [self._canonical(sub, offer, loc(i)) for i, sub in enumerate(submissions)]
        if len(canonical) <= _INLINE_BUILD_MAX:
            specs = self._specs(canonical)
        else:
            specs = await asyncio.to_thread(self._specs, canonical)
        job_ids = [spec.job_id for spec in specs]
        deadline = time.monotonic() + wait_s
        with self._s.waiter.watch(job_ids) as watch:
            fresh = await self._s.enqueuer.enqueue(specs, max_queue=settings.max_queue)
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

    async def lookup(self, submission_ids: Sequence[str], *, wait_s: float) -> list[JobState]:
        """States of existing submissions, waiting up to `wait_s` for them to be done."""
        job_ids = [job_id_for(sid) for sid in submission_ids]
        deadline = time.monotonic() + wait_s
        with self._s.waiter.watch(job_ids) as watch:
            states = await read_states(self._s.redis, job_ids)
            missing = [sid for sid, state in zip(submission_ids, states, strict=True) if state is None]
            if missing:
                raise NotFound(missing)
            states = await self._wait(watch, job_ids, states, deadline)
        missing = [sid for sid, state in zip(submission_ids, states, strict=True) if state is None]
        if missing:
            raise NotFound(missing)
        return [s for s in states if s is not None]

    # ------------------------------------------------------------------ internals

    async def _wait(
        self, watch: Watch, job_ids: list[str], states: list[JobState | None], deadline: float
    ) -> list[JobState | None]:
        while True:
            pending = sorted(
                {
                    jid
                    for jid, s in zip(job_ids, states, strict=True)
                    if s is not None and s.status is not JobStatus.done
                }
            )
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0 or self._s.waiter.draining:
                return states
            delivered = await watch.wait(pending, remaining)
            fresh: dict[str, JobState | None] = {
                jid: JobState(submission_id_for(jid), JobStatus.done, text) for jid, text in delivered.items()
            }
            unread = [jid for jid in pending if jid not in delivered]
            if unread:
                fresh.update(zip(unread, await read_states(self._s.redis, unread), strict=True))
            states = [
                fresh.get(jid, s) if jid in fresh else s for jid, s in zip(job_ids, states, strict=True)
            ]

    def _canonical(self, sub: Submission, offer: Offer, loc: list[str | int]) -> Submission:
        updates: dict[str, object] = {}
        lang = self._resolve(sub.language, offer, [*loc, "language"])
        if lang != sub.language:
            updates["language"] = lang
        harness = sorted({t.kind for t in sub.tests if t.kind != "stdio"})
        if harness and not runs_harness_tests(lang):
            raise FieldError(
                [*loc, "tests"],
                f"{' and '.join(harness)} tests run only in Python (python3, pypy3); {lang} cannot run them",
                kind="unsupported_test_kind",
            )
        if isinstance(sub.checker, ProgramChecker):
            checker_lang = self._resolve(sub.checker.language, offer, [*loc, "checker", "language"])
            if checker_lang != sub.checker.language:
                updates["checker"] = sub.checker.model_copy(update={"language": checker_lang})
        if sub.interactor is not None:
            inter_lang = self._resolve(sub.interactor.language, offer, [*loc, "interactor", "language"])
            if inter_lang != sub.interactor.language:
                updates["interactor"] = sub.interactor.model_copy(update={"language": inter_lang})
        return sub.model_copy(update=updates) if updates else sub

    @staticmethod
    def _resolve(name: str, offer: Offer, loc: list[str | int]) -> str:
        lang = offer.resolve(name)
        if lang is None:
            where = "the live workers offer" if offer.from_workers else "known languages are"
            raise FieldError(
                loc, f"unknown language {name!r}; {where}: {offer.names()}", kind="unknown_language"
            )
        return lang

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
                )
            )
        return specs


__all__ = ["Judging", "QueueFull", "Services", "batch_loc", "single_loc"]
