"""Hop timestamps inside the judge's API and worker processes, for trace_round_trip.py only.

trace_round_trip.py puts this directory first on PYTHONPATH of the processes it starts and sets
XCODER_HOP_TRACE to a file; Python then imports this module at start-up and it wraps a few
methods so that each appends `<event> <time.time()>` to that file as it is entered or left.
Nothing is wrapped without the variable, so any other Python the judge starts (compilers,
sandboxed programs, which get a clean environment anyway) is left alone. Wall clock on
purpose: the events of three processes are put on one time line.
"""

from __future__ import annotations

import functools
import inspect
import os
import time

_PATH = os.environ.get("XCODER_HOP_TRACE")


def _emit(fd: int, event: str) -> None:
    os.write(fd, f"{event} {time.time():.6f}\n".encode())


def _wrap(owner: type, name: str, event: str, fd: int, *, only_if_result: bool = False) -> None:
    """Emit `<event>.in` on entry and `<event>.out` on return (for a coroutine, when it is done)."""
    static = inspect.getattr_static(owner, name)
    if isinstance(static, classmethod):
        bound = static.__func__

        @functools.wraps(bound)
        def traced_cls(cls, *args, **kwargs):
            _emit(fd, f"{event}.in")
            out = bound(cls, *args, **kwargs)
            _emit(fd, f"{event}.out")
            return out

        setattr(owner, name, classmethod(traced_cls))
        return
    original = getattr(owner, name)
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def traced_async(*args, **kwargs):
            _emit(fd, f"{event}.in")
            out = await original(*args, **kwargs)
            _emit(fd, f"{event}.out")
            return out

        setattr(owner, name, traced_async)
        return

    @functools.wraps(original)
    def traced(*args, **kwargs):
        start = time.time()
        out = original(*args, **kwargs)
        if not only_if_result or out is not None:
            os.write(fd, f"{event}.in {start:.6f}\n{event}.out {time.time():.6f}\n".encode())
        return out

    setattr(owner, name, traced)


def _install(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    from xcoder_judge.engine.engine import Engine
    from xcoder_judge.service.api.judging import Judging
    from xcoder_judge.service.queue.enqueue import Enqueuer
    from xcoder_judge.service.queue.notify import CompletionWaiter
    from xcoder_judge.service.worker.job import JudgeJob, JudgeTask
    from xcoder_judge.service.worker.rq_worker import JudgeWorker

    # API process
    _wrap(Judging, "submit", "api.submit", fd)
    _wrap(Judging, "_specs", "api.build", fd)
    _wrap(Enqueuer, "enqueue", "api.enqueue", fd)
    wake = CompletionWaiter._wake

    def traced_wake(self, job_id, result_json=None):
        if job_id in self._futures:
            _emit(fd, "api.wake.in")
        return wake(self, job_id, result_json)

    CompletionWaiter._wake = traced_wake  # type: ignore[method-assign]
    # worker process
    import redis

    _wrap(redis.Redis, "blmove", "worker.blmove", fd, only_if_result=True)
    _wrap(JudgeJob, "fetch", "worker.fetch", fd)
    _wrap(JudgeWorker, "dequeue_job_and_maintain_ttl", "worker.dequeue", fd, only_if_result=True)
    _wrap(JudgeWorker, "prepare_execution", "worker.start", fd)
    _wrap(JudgeTask, "__call__", "worker.task", fd)
    _wrap(Engine, "judge", "worker.engine", fd)
    _wrap(JudgeWorker, "handle_job_success", "worker.finish", fd)


if _PATH:
    _install(_PATH)
