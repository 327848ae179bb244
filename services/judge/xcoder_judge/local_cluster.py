"""Real judge processes on this machine: `xcoder-judge api` and `worker` on a Redis of their own.

Tests (through the pytest plugin in `xcoder_judge.testing`) and the benchmarks under bench/ start
judges with this; it needs nothing beyond the judge's own dependencies, so a plain
`./scripts/setup.sh` checkout runs the benchmarks.

Redis is 127.0.0.1:6379 when it answers, on a database number this process holds alone (a lock
file per number) and flushes before and after; otherwise an embedded redis-server on a free port.
Each worker gets its own block of sandbox uids and its own work directory, so sessions running
side by side on one machine never see each other's programs. Compiles are cached across sessions
in XCODER_JUDGE_TEST_CACHE_DIR (default: a directory under the system temp dir).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from xcoder_judge.config import ENV_PREFIX

# Redis database numbers a session may claim (12 belongs to the SynthSmith tests).
TEST_DBS = (13, 14, 15, 11, 10, 8, 7, 6, 5, 4)
# Sandbox uid blocks for test workers: away from 60000 (dev workers), 62000-62999 (engine suite)
# and 63000-63199 (engine benchmark).
UID_BLOCKS = range(64000, 66000, 100)
READY_TIMEOUT_S = 240.0  # a cold compile cache builds every language's self-test first
_LOCK_DIR = Path(tempfile.gettempdir())


def test_cache_dir() -> Path:
    return Path(os.environ.get("XCODER_JUDGE_TEST_CACHE_DIR") or _LOCK_DIR / "xcoder-judge-test-cache")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _HeldLock:
    """An exclusive, non-blocking flock on a file under the temp dir, held until released."""

    def __init__(self, name: str) -> None:
        self._file: IO[str] | None = open(_LOCK_DIR / name, "w")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _uids_in_use(uids: range) -> bool:
    import psutil

    for proc in psutil.process_iter(["uids"]):
        u = proc.info["uids"]
        if u is not None and (u.real in uids or u.effective in uids):
            return True
    return False


def claim_uid_block() -> tuple[int, _HeldLock]:
    """The first uid of a block of 100 no other process on this machine uses; waits if all are taken."""
    while True:
        for base in UID_BLOCKS:
            lock = _HeldLock(f"xcoder-judge-test-uids-{base}.lock")
            if not lock.held:
                continue
            if _uids_in_use(range(base, base + UID_BLOCKS.step)):
                lock.release()
                continue
            return base, lock
        time.sleep(1)


@dataclass
class RedisTarget:
    """A Redis database this session owns."""

    url: str
    _lock: _HeldLock | None = None
    _server: object | None = None  # EmbeddedRedis when 127.0.0.1:6379 did not answer

    def flush(self) -> None:
        client = redis.Redis.from_url(self.url)
        try:
            client.flushdb()
        finally:
            client.close()

    def release(self) -> None:
        with contextlib.suppress(redis.exceptions.ConnectionError):
            self.flush()
        if self._lock is not None:
            self._lock.release()
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]


def claim_redis(root: Path) -> RedisTarget:
    """127.0.0.1:6379 on a database number held alone, or an embedded server if none answers."""
    probe = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        probe.ping()
        reachable = True
    except redis.exceptions.ConnectionError:
        reachable = False
    if reachable:
        try:
            while True:
                for db in TEST_DBS:
                    lock = _HeldLock(f"xcoder-judge-test-redis-db-{db}.lock")
                    if not lock.held:
                        continue
                    # Someone may use the number without our lock (a dev server): skip it then.
                    if any(int(c.get("db", -1)) == db for c in probe.client_list()):
                        lock.release()
                        continue
                    target = RedisTarget(url=f"redis://127.0.0.1:6379/{db}", _lock=lock)
                    target.flush()
                    return target
                time.sleep(1)
        finally:
            probe.close()
    probe.close()
    from xcoder_judge.service.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(root / "redis", port=free_port())
    url = server.start()
    return RedisTarget(url=url, _server=server)


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    uid_lock: _HeldLock | None = None
    work_dir: Path | None = None


@dataclass
class JudgeCluster:
    """Real judge processes against one Redis URL; stop() ends them all (SIGTERM, then SIGKILL)."""

    redis_url: str
    root: Path
    base_settings: dict[str, str] = field(default_factory=dict)
    procs: list[_Proc] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o755)

    def _env(self, settings: dict[str, object]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        env["PYTHONUNBUFFERED"] = "1"
        merged = {
            "redis_url": self.redis_url,
            "cache_dir": str(test_cache_dir()),
            **self.base_settings,
            **settings,
        }
        for name, value in merged.items():
            env[ENV_PREFIX + name.upper()] = str(value)
        return env

    def _spawn(self, command: str, name: str, settings: dict[str, object]) -> _Proc:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        log_path = self.root / "logs" / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "xcoder_judge.cli", command],
                env=self._env(settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        proc = _Proc(name=name, popen=popen, log_path=log_path)
        self.procs.append(proc)
        return proc

    def start_worker(self, name: str = "worker", **settings: object) -> subprocess.Popen[bytes]:
        """A worker with its own uid block and work dir; `settings` are XCODER_JUDGE_* values."""
        base, lock = claim_uid_block()
        work = Path(tempfile.mkdtemp(prefix=f"xcoder-judge-{name}-", dir=self.root))
        work.chmod(0o755)
        defaults: dict[str, object] = {
            "sandbox_uid": base,
            "work_dir": work,
            "worker_name": f"{name}-{os.getpid()}-{base}",
        }
        proc = self._spawn("worker", name, {**defaults, **settings})
        proc.uid_lock = lock
        proc.work_dir = work
        return proc.popen

    def start_api(self, name: str = "api", **settings: object) -> str:
        port = int(settings.pop("port", 0) or free_port())  # type: ignore[call-overload]
        self._spawn("api", name, {"host": "127.0.0.1", "port": port, **settings})
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S, *, workers: int = 1) -> None:
        """Until /readyz says Redis answers and `workers` workers are alive, or fail with the logs."""
        deadline = time.monotonic() + timeout_s
        last = ""
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.popen.poll() is not None:
                    raise RuntimeError(f"judge process {proc.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    body = response.read().decode()
                    import json

                    if json.loads(body).get("workers", 0) >= workers:
                        return
                    last = body
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"the judge was not ready after {timeout_s:g} s ({last}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        out: list[str] = []
        for proc in self.procs:
            text = (
                proc.log_path.read_text(errors="replace").splitlines()[-lines:]
                if proc.log_path.exists()
                else []
            )
            out.append(f"--- {proc.name} (pid {proc.popen.pid}) ---")
            out.extend(text)
        return "\n".join(out)

    def stop_process(
        self, popen: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM, timeout_s: float = 60
    ) -> int:
        """Signal one process and wait for it; SIGKILL if it lingers. Returns its exit status."""
        if popen.poll() is None:
            popen.send_signal(sig)
            try:
                popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        for proc in self.procs:
            if proc.popen is popen:
                self._release(proc)
        return popen.returncode

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM every process (workers drain) and wait; `kill` sends SIGKILL instead."""
        for proc in self.procs:
            if proc.popen.poll() is None:
                proc.popen.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
            self._release(proc)

    @staticmethod
    def _release(proc: _Proc) -> None:
        if proc.uid_lock is not None:
            proc.uid_lock.release()
            proc.uid_lock = None
        if proc.work_dir is not None:
            shutil.rmtree(proc.work_dir, ignore_errors=True)
            proc.work_dir = None
