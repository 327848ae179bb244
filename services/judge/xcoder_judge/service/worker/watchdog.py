"""A backstop for jobs that overrun: cancel them, and end the process if the engine ignores that.

The engine enforces every test's limits itself, so a job reaching its backstop means the judge
is stuck. The watchdog first sets the job's cancel event (the engine then returns promptly with
SE). If the job is still running `grace_s` later, the process cannot be trusted any more: it
logs one line and exits, and the janitor of another worker re-runs its jobs (RQ's worker kills
its work horse in the same situation). One thread serves every job of the process.

A new job wakes that thread only if its deadline comes before the thread's next planned look:
with the same timeout for every job that is almost never, so a job costs no thread hand-off.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

log = logging.getLogger("xcoder_judge.worker.watchdog")

EXIT_STUCK = 70  # EX_SOFTWARE


def _exit_process(job_id: str) -> None:
    log.critical(
        "watchdog: job %s ignored its cancellation; exiting so its work is retried elsewhere", job_id
    )
    logging.shutdown()
    os._exit(EXIT_STUCK)


@dataclass(slots=True)
class _Guard:
    job_id: str
    deadline: float
    cancel: threading.Event = field(default_factory=threading.Event)


class Watchdog:
    def __init__(self, *, grace_s: float = 60.0, on_stuck: Callable[[str], None] = _exit_process) -> None:
        self._grace_s = grace_s
        self._on_stuck = on_stuck
        self._guards: dict[int, _Guard] = {}
        self._cond = threading.Condition()
        self._stopped = False
        self._wake_at = 0.0  # when the thread looks next (monotonic; under _cond): now, until it runs
        self.wakeups = 0  # times the thread looked at the guards (for tests and debugging)
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=5)

    @contextlib.contextmanager
    def guard(self, job_id: str, timeout_s: float) -> Iterator[threading.Event]:
        """The cancel event of one job, set once `timeout_s` seconds have passed."""
        guard = _Guard(job_id, time.monotonic() + timeout_s)
        with self._cond:
            self._guards[id(guard)] = guard
            if guard.deadline < self._wake_at:
                self._cond.notify()
        try:
            yield guard.cancel
        finally:
            with self._cond:
                self._guards.pop(id(guard), None)

    def cancel_all(self) -> int:
        """Cancel every running job (cold shutdown); returns how many there were."""
        with self._cond:
            guards = list(self._guards.values())
        for guard in guards:
            guard.cancel.set()
        return len(guards)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                self.wakeups += 1
                now = time.monotonic()
                wake = now + 3600.0
                for guard in list(self._guards.values()):
                    if now >= guard.deadline + self._grace_s:
                        self._on_stuck(guard.job_id)
                        self._guards.pop(id(guard), None)
                        continue
                    if now >= guard.deadline:
                        if not guard.cancel.is_set():
                            log.warning("watchdog: job %s passed its backstop; cancelling it", guard.job_id)
                            guard.cancel.set()
                        wake = min(wake, guard.deadline + self._grace_s)
                    else:
                        wake = min(wake, guard.deadline)
                self._wake_at = wake
                self._cond.wait(timeout=max(0.01, wake - now))
