"""The worker process's resources, reachable from the job function RQ calls by name.

RQ calls `judge_submission(payload)` with the job's arguments only, so the engine (one per
process, shared by every job thread) and the watchdog are installed here once at start-up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from xcoder_wire.schemas import Submission, SubmissionResult

from xcoder_judge.service.worker.watchdog import Watchdog


class JudgeEngine(Protocol):
    """What the worker needs from `xcoder_judge.engine.Engine`."""

    def judge(
        self, submission: Submission, *, cancel: threading.Event | None = None, caller: str | None = None
    ) -> SubmissionResult: ...

    @property
    def slots_total(self) -> int: ...

    @property
    def slots_busy(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the finishing pipeline records about a job the job function completed."""

    verdict: str
    language: str
    queue_wait_s: float | None
    judge_s: float


@dataclass(slots=True)
class Outcomes:
    """Job id → outcome, handed from the job function to the worker that finishes the job."""

    _items: dict[str, Outcome] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, job_id: str, outcome: Outcome) -> None:
        with self._lock:
            self._items[job_id] = outcome

    def pop(self, job_id: str) -> Outcome | None:
        with self._lock:
            return self._items.pop(job_id, None)


@dataclass(frozen=True, slots=True)
class Runtime:
    engine: JudgeEngine
    watchdog: Watchdog
    outcomes: Outcomes


_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("judge jobs run only inside `xcoder-judge worker` (no engine installed)")
    return _runtime
