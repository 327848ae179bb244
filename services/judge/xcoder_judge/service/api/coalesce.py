"""API process: concurrent one-test requests for the same program become one multi-test job.

verl's built-in reward sends one SandboxFusion `/run_code` per test, all with the same program;
code-judge's clients send one `/judge` per test. Each request costs a job (hash, queue push, RQ
bookkeeping, notification, a compile-cache lookup) for ~2 ms of test. Here the first such request
opens a group and waits `coalesce_window_ms`; every request for the same program that arrives
meanwhile joins it, and the group is judged as one submission whose tests are the members' tests.
Each caller is then answered with its own test's result, as if it had been judged alone.

Same program means: the same tenant (so no tenant's test ever runs in another's job,
namespace or turn on the slots) and everything of the submission but its tests and id
(language, source, files, limits, checker, output mode, priority). Rules that keep callers apart:

- the merged job never stops early (`stop_on_first_failure` is off): one caller's failure never
  skips another's test. A one-test request stops after its only test anyway;
- the group runs in its own task, not in a caller's: a caller that disconnects (its request task
  cancelled) only drops its own wait;
- a caller waits for its own deadline; when it passes, it gets the not-yet answer of its API
  (504 for /run_code) and its retry, which has the same content-derived id, finds the group's job
  again through `_recent` (in this API process) instead of queueing another;
- two identical requests in one window share one test (the idempotency `/run_code` always had);
- a request that finds no other one-test request in flight in this API process opens no window:
  it is sent at once (an idle API adds no latency to a lone request) and requests that arrive
  while it runs group as usual. So a burst on an idle API costs one job more (its first call's);
  on a busy one every group waits its window;
- a group opened while `hold_after_jobs` (2) jobs of the same program are in flight stays open
  until one is answered (or `coalesce_hold_ms` passes, or it is full): verl's semaphore lets a
  rollout's tests through a few at a time, milliseconds to seconds apart, so a fixed window alone
  catches one or two of them per job; held, the next job carries all that arrived meanwhile. Two,
  not one, so that one hot program's next job is queued while one runs. A program with fewer
  jobs in flight is never held, so a lone caller's requests wait no longer than before;
- a request alone in its group is judged as before, as its own job under its own id; a merged
  member has no job of its own, only the group's, but its id is recorded as pointing at its test
  there (queue/members.py), so `GET /v1/submissions/{id}` finds it all the same;
- an error that fails the whole job (a full queue, a compile error, a judge error) reaches every
  member in its own API's shape.

With a window of 0 the coalescer is not consulted at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xcoder_wire.schemas import JobStatus, Submission, SubmissionResult, Test, TestResult, Verdict

from xcoder_judge.service.api.errors import NotFound
from xcoder_judge.service.metrics.coalescing import GROUP_REQUESTS, GROUP_WAIT_SECONDS, GROUPS_HELD
from xcoder_judge.service.queue.enqueue import QueueFull
from xcoder_judge.service.queue.ids import new_submission_id

if TYPE_CHECKING:  # judging.py holds the coalescer; at run time the judging object is passed in
    from xcoder_judge.service.api.judging import Judging

log = logging.getLogger(__name__)

# How long past its own deadline a caller waits for its group's answer (see judge_one).
_GRACE_S = 0.5
# How many member ids → (group job, index) pairs are remembered for retries and repeats.
_RECENT_MAX = 100_000


@dataclass(slots=True)
class _Member:
    member_id: str  # the request's own (content-derived) id, or "" when it has none
    index: int  # its test's index in the group's job
    futures: list[asyncio.Future[SubmissionResult | None]] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    key: str
    first: Submission  # the program (its tests are replaced by the members')
    caller: str | None
    tests: list[Test] = field(default_factory=list)
    members: dict[str, _Member] = field(default_factory=dict)  # by member id (or a fresh key)
    wait_s: float = 0.0
    job_id: str | None = None  # set once enqueued
    closed: bool = False
    callers: int = 0  # requests that joined (repeats of one test included), for the metrics
    opened: float = field(default_factory=time.monotonic)
    full: asyncio.Event = field(default_factory=asyncio.Event)  # ends a hold at once
    done: asyncio.Event = field(default_factory=asyncio.Event)  # its job answered (or failed)


@dataclass(frozen=True, slots=True)
class _Recent:
    submission_id: str  # the group's job
    index: int
    expires: float


class Coalescer:
    """One per API process (created in the lifespan); `judge_one` is all a route calls."""

    def __init__(
        self,
        *,
        window_s: float,
        max_tests: int,
        result_ttl_s: float,
        hold_s: float = 0.0,
        hold_after_jobs: int = 1,
    ) -> None:
        self.window_s = window_s
        self.max_tests = max_tests
        self.hold_s = hold_s
        self.hold_after_jobs = max(1, hold_after_jobs)
        self._ttl_s = result_ttl_s
        self._open: dict[str, _Group] = {}
        self._running: dict[str, list[_Group]] = {}  # by program key: its groups sent, not answered
        self._recent: OrderedDict[str, _Recent] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0  # callers inside judge_one: none means the API is idle for one-test work
        # Counters for /metrics: requests that joined a group, and the jobs the groups became.
        self.requests = 0
        self.jobs = 0
        self.held = 0  # groups that waited for an earlier job of their program

    @property
    def enabled(self) -> bool:
        return self.window_s > 0

    async def judge_one(
        self, judging: Judging, submission: Submission, *, caller: str | None, wait_s: float
    ) -> SubmissionResult | None:
        """The result of `submission` (one test, validated) as if judged alone, or None when it
        was not done within `wait_s`. Raises QueueFull when its group found no room in time."""
        member_id = submission.id or ""
        deadline = time.monotonic() + wait_s
        recent = self._recent_of(caller, member_id)
        if recent is not None:  # a retry or a repeat: wait for the job that already has it
            self._in_flight += 1
            try:
                return await self._from_job(judging, recent.submission_id, recent.index, wait_s)
            finally:
                self._in_flight -= 1
        key = program_key(submission, caller)
        group = self._open.get(key)
        if group is None or group.closed or len(group.tests) >= self.max_tests:
            group = _Group(key=key, first=submission, caller=caller)
            self._open[key] = group
            self._spawn(self._run(judging, group, 0.0 if self._in_flight == 0 else self.window_s))
        member = group.members.get(member_id) if member_id else None
        if member is None:
            member = _Member(member_id=member_id, index=len(group.tests))
            group.tests.append(submission.tests[0])
            group.members[member_id or f"#{member.index}"] = member
            if len(group.tests) >= self.max_tests:
                self._close(group)
        self.requests += 1
        group.callers += 1
        group.wait_s = max(group.wait_s, wait_s)
        future: asyncio.Future[SubmissionResult | None] = asyncio.get_running_loop().create_future()
        member.futures.append(future)
        self._in_flight += 1
        try:
            # The group's own wait ends up to a window after this caller's: give it that, and a
            # moment, so that its answer (a verdict, or no room in the queue) is the one given.
            remaining = max(0.0, deadline - time.monotonic()) + self.window_s + self.hold_s + _GRACE_S
            return await asyncio.wait_for(asyncio.shield(future), remaining)
        except asyncio.TimeoutError:
            return None
        finally:
            self._in_flight -= 1
            if not future.done():
                future.cancel()

    # ------------------------------------------------------------------ internals

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _close(self, group: _Group) -> None:
        group.closed = True
        group.full.set()
        if self._open.get(group.key) is group:
            del self._open[group.key]

    async def _hold(self, group: _Group) -> None:
        """While `hold_after_jobs` earlier jobs of the same program run, keep collecting (up to
        `hold_s`): with 2, the next job is already queued while one runs, so one hot program's
        slots never wait for a round trip between its jobs."""
        running = self._running.get(group.key, [])
        if len(running) < self.hold_after_jobs or self.hold_s <= 0 or group.closed:
            return
        self.held += 1
        GROUPS_HELD.inc()
        waits = [asyncio.ensure_future(g.done.wait()) for g in running]
        waits.append(asyncio.ensure_future(group.full.wait()))
        try:
            await asyncio.wait(waits, timeout=self.hold_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _run(self, judging: Judging, group: _Group, window_s: float) -> None:
        """The group's life: collect for `window_s` (0 on an idle API: only what arrives before
        the event loop comes back to it) and while its program's previous job runs (`_hold`),
        enqueue one job, answer every member."""
        try:
            await asyncio.sleep(window_s)
            await self._hold(group)
            self._close(group)
            self._running.setdefault(group.key, []).append(group)
            GROUP_REQUESTS.observe(group.callers)
            GROUP_WAIT_SECONDS.observe(time.monotonic() - group.opened)
            await self._judge(judging, group)
        finally:
            group.done.set()
            running = self._running.get(group.key, [])
            if group in running:
                running.remove(group)
                if not running:
                    del self._running[group.key]

    async def _judge(self, judging: Judging, group: _Group) -> None:
        """Enqueue the closed group as one job and settle every member with its own answer."""
        if len(group.tests) == 1:  # alone in its window: its own job, under its own id, as ever
            merged = group.first
        else:
            merged = group.first.model_copy(
                update={"tests": group.tests, "stop_on_first_failure": False, "id": _group_id(group)}
            )
        self.jobs += 1
        members = list(group.members.values())
        naming: asyncio.Future[None] | None = None
        named = [(m.member_id, m.index) for m in members if m.member_id]
        if merged is not group.first and named:  # while the job runs: findable by their own ids
            naming = asyncio.ensure_future(judging.record_members(merged.id or "", named))
        try:
            [state] = await judging.submit([merged], wait_s=group.wait_s, wait_for_room=True)
            for m in members:
                if m.member_id:
                    self._remember(group.caller, m.member_id, state.submission_id, m.index)
            result = None
            if state.status is JobStatus.done and state.result_json is not None:
                result = SubmissionResult.model_validate_json(state.result_json)
        except QueueFull as exc:
            for m in members:
                _settle(m, exc=exc)
            return
        except Exception as exc:
            log.exception("coalesced job %s failed", merged.id)
            for m in members:
                _settle(m, exc=exc)
            return
        finally:
            if naming is not None:
                try:
                    await naming
                except Exception as exc:  # the answers stand; only GET by a member's id cannot find it
                    log.warning("coalesced job %s: recording its members failed: %s", merged.id, exc)
        by_index = {t.index: t for t in result.tests} if result is not None else {}
        for m in members:
            _settle(
                m, result=None if result is None else member_result(result, m.index, m.member_id, by_index)
            )

    async def _from_job(
        self, judging: Judging, submission_id: str, index: int, wait_s: float
    ) -> SubmissionResult | None:
        try:
            [state] = await judging.lookup([submission_id], wait_s=wait_s)
        except NotFound:  # expired meanwhile: the caller's next request judges it afresh
            return None
        if state.status is not JobStatus.done or state.result_json is None:
            return None
        return member_result(SubmissionResult.model_validate_json(state.result_json), index, "")

    def _recent_of(self, caller: str | None, member_id: str) -> _Recent | None:
        """Only the same tenant's groups: ids live in a tenant's namespace (queue/ids.py)."""
        if not member_id:
            return None
        key = f"{caller or ''}\0{member_id}"
        recent = self._recent.get(key)
        if recent is None:
            return None
        if recent.expires < time.monotonic():
            del self._recent[key]
            return None
        return recent

    def _remember(self, caller: str | None, member_id: str, submission_id: str, index: int) -> None:
        key = f"{caller or ''}\0{member_id}"
        self._recent[key] = _Recent(submission_id, index, time.monotonic() + self._ttl_s)
        self._recent.move_to_end(key)
        while len(self._recent) > _RECENT_MAX:
            self._recent.popitem(last=False)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Merged:
    """One batch's items regrouped: `submissions` to judge, and where each item's test went."""

    submissions: list[Submission]
    place: list[tuple[int, int]]  # per item: (index in `submissions`, its test's index there)


def merge_same_program(items: list[Submission], caller: str | None, *, max_tests: int) -> Merged:
    """The one-test items of one batch request, those of the same program as one submission.

    code-judge's batch routes carry one item per test, all of a rollout's items with the same
    program: judged as they come, a batch of ten is ten jobs. Merged under the coalescer's
    rules (same program key, at most `max_tests` per job, never stopping early), it is one;
    each item is then answered from its own test (`member_result`). Items with ids of their
    own, or with more than one test, stay as they are.
    """
    out: list[Submission] = []
    place: list[tuple[int, int]] = []
    members: dict[int, list[Test]] = {}  # merged submission's index → its tests
    open_group: dict[str, int] = {}
    for sub in items:
        if sub.id is not None or len(sub.tests) != 1:
            place.append((len(out), 0))
            out.append(sub)
            continue
        key = program_key(sub, caller)
        at = open_group.get(key)
        if at is None or len(members[at]) >= max_tests:
            at = open_group[key] = len(out)
            members[at] = []
            out.append(sub)
        place.append((at, len(members[at])))
        members[at].append(sub.tests[0])
    for at, tests in members.items():
        if len(tests) > 1:
            out[at] = out[at].model_copy(update={"tests": tests, "stop_on_first_failure": False})
    return Merged(out, place)


def program_key(submission: Submission, caller: str | None) -> str:
    """Who asks and what program runs: everything but the tests and the id."""
    body = submission.model_dump_json(exclude={"tests", "id"})
    return hashlib.sha256(f"{caller or ''}\0{body}".encode()).hexdigest()


def _group_id(group: _Group) -> str:
    """Deterministic from the members (so a repeat of the same group finds its job), else fresh."""
    ids = [m.member_id for m in group.members.values()]
    if all(ids):
        digest = hashlib.sha256("\0".join([group.key, *ids]).encode()).hexdigest()[:48]
        return f"coalesced:{digest}"
    return new_submission_id()


def member_result(
    merged: SubmissionResult, index: int, member_id: str, by_index: dict[int, TestResult] | None = None
) -> SubmissionResult:
    """The result a caller would have got for its own one-test submission (`by_index`: the
    merged tests by index, built once per group instead of a scan per member)."""
    if by_index is None:
        by_index = {t.index: t for t in merged.tests}
    test = by_index.get(index)
    if merged.verdict is Verdict.CE:  # the program is every member's: none of them ran
        verdict, message = Verdict.CE, merged.message
    elif test is None or test.verdict is Verdict.SK:
        # Nothing ran this test: the whole job failed (SE), or, which never stops early, a bug.
        verdict = Verdict.SE
        message = merged.message or "the judge returned no result for this test; retry"
    else:
        verdict, message = test.verdict, test.message
    tests = [test.model_copy(update={"index": 0})] if test is not None else []
    return SubmissionResult(
        id=member_id or merged.id,
        verdict=verdict,
        score=1.0 if verdict is Verdict.AC else 0.0,
        passed=1 if verdict is Verdict.AC else 0,
        total=1,
        compile=merged.compile,
        tests=tests,
        message=message,
        language=merged.language,
        attempts=merged.attempts,
    )


def _settle(
    member: _Member, *, result: SubmissionResult | None = None, exc: BaseException | None = None
) -> None:
    for future in member.futures:
        if future.done():  # its caller gave up (timed out or disconnected)
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
