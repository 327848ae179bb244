"""`xcoder-judge serve`: Redis (embedded unless a URL is set), one worker and the API on one machine.

The worker and the API run as child processes (`xcoder-judge worker`, `xcoder-judge api`) with
the same settings. Ctrl-C or SIGTERM drains the worker, stops the API, then stops Redis (which
flushes its append-only file). If a child dies on its own, the rest is stopped and `serve`
exits non-zero, so a supervisor (systemd, Kubernetes) can restart the whole.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType

from xcoder_judge.config import ENV_PREFIX, Settings
from xcoder_judge.service.embedded_redis import EmbeddedRedis, EmbeddedRedisError

log = logging.getLogger("xcoder_judge.serve")

_STOP_TIMEOUT_S = 60.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: take SIGTERM if `serve` itself is killed."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Serve:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._reason = ""
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        redis_server: EmbeddedRedis | None = None
        url = self.settings.redis_url
        if not url:
            redis_server = EmbeddedRedis(Path(self.settings.cache_dir) / "redis")
            try:
                url = redis_server.start()
            except EmbeddedRedisError as exc:
                log.error("serve: exiting: %s", exc)
                return 1
        env = dict(os.environ, **{f"{ENV_PREFIX}REDIS_URL": url})
        code = 0
        try:
            self._spawn("worker", env)
            self._spawn("api", env)
            self._announce_when_ready()
            code = self._supervise()
        finally:
            self._stop_children()
            if redis_server is not None:
                redis_server.stop()
            log.info("serve: exiting: %s", self._reason or "stopped")
        return code

    def _spawn(self, command: str, env: dict[str, str]) -> None:
        argv = [sys.executable, "-m", "xcoder_judge.cli", command]
        # Own process group: a terminal's Ctrl-C reaches `serve` only, which stops children in order.
        self._children[command] = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, process_group=0, preexec_fn=_die_with_parent
        )

    def _announce_when_ready(self) -> None:
        host = self.settings.host if self.settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
        url = f"http://{host}:{self.settings.port}"

        def poll() -> None:
            deadline = time.monotonic() + 120
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                        if response.status == 200:
                            log.info("serve: ready on %s (API docs at %s/docs)", url, url)
                            return
                except OSError:
                    pass
                self._stop.wait(0.25)

        threading.Thread(target=poll, name="ready-probe", daemon=True).start()

    def _supervise(self) -> int:
        while not self._stop.wait(0.5):
            for name, child in self._children.items():
                if child.poll() is not None:
                    self._reason = f"the {name} process exited with status {child.returncode}"
                    log.error("serve: %s; stopping everything", self._reason)
                    return 1
        return 0

    def _stop_children(self) -> None:
        # Worker first: it drains running submissions while the API still answers pollers.
        for name in ("worker", "api"):
            child = self._children.get(name)
            if child is None or child.poll() is not None:
                continue
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning(
                    "serve: the %s process did not stop within %g s; killing it", name, _STOP_TIMEOUT_S
                )
                child.kill()
                child.wait()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            return  # already stopping
        self._reason = signal.Signals(signum).name
        self._stop.set()
