"""A private event loop on a daemon thread, so blocking callers can share async machinery.

verl runs a synchronous `compute_score` on a thread pool; routing those calls through one loop
lets concurrent rollouts be coalesced into batch requests exactly like the async path. The loop
is recreated after a fork (a child must not touch its parent's loop or sockets).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_pid: int | None = None


def _ensure_loop() -> asyncio.AbstractEventLoop:
    global _loop, _thread, _pid
    with _lock:
        if _loop is None or _pid != os.getpid() or _thread is None or not _thread.is_alive():
            _loop = asyncio.new_event_loop()
            _thread = threading.Thread(target=_loop.run_forever, name="xcoder-client-loop", daemon=True)
            _thread.start()
            _pid = os.getpid()
        return _loop


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on the shared background loop and wait for its result in the calling thread."""
    return asyncio.run_coroutine_threadsafe(coro, _ensure_loop()).result()
