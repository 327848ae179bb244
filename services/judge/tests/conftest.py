"""Fixtures shared by the judge's tests.

The data-driven suite (test_suite.py, test_parity.py) judges every case through one
session-scoped Engine, `suite_engine`, plus a fresh-exec Python twin, `suite_cold_engine`, for the
parity cases. Their sandbox uids come from a block this session holds alone (SUITE_UID_BLOCKS),
away from the default 60000, so another engine on this machine (a colleague's test run, a dev
worker) never shows up in the suite's "no process left behind" checks.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from xcoder_judge.config import Settings

SUITE_SLOTS = 2
# Each session claims a block of 200 sandbox uids in 62000..62999 with a lock file, so two suite
# runs on one machine (colleagues run it too) never see each other's processes. The warm engine
# uses block+0.., the fresh-exec Python engine block+100...
SUITE_UID_BLOCKS = range(62000, 63000, 200)
# Secrets a judge process typically holds in its environment. They are set before the engines
# start, so a sandbox that forgets to scrub the environment hands them to submitted programs.
CANARY_ENV = ("REDIS_PASSWORD", "REDIS_URL", "AWS_SECRET_ACCESS_KEY", "XCODER_SUITE_CANARY")


def load_suite_lib():
    """suite/_lib.py, loaded once by path (the tests folder is not a package)."""
    name = "xcoder_judge_suite_lib"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "suite" / "_lib.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _uids_in_use(uids: range) -> bool:
    for proc in psutil.process_iter(["uids"]):
        u = proc.info["uids"]
        if u is not None and (u.real in uids or u.effective in uids):
            return True
    return False


@pytest.fixture(scope="session")
def suite_uid_base() -> Iterator[int]:
    """The first uid of a block no other running session holds (waits for one if all are taken)."""
    while True:
        for base in SUITE_UID_BLOCKS:
            lock = open(f"/tmp/xcoder-suite-uids-{base}.lock", "w")  # noqa: SIM115 - held all session
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            if _uids_in_use(range(base, base + 200)):  # someone running without the lock
                lock.close()
                continue
            try:
                yield base
            finally:
                lock.close()
            return
        time.sleep(1)


@pytest.fixture(scope="session")
def suite_root() -> Iterator[Path]:
    """Work and cache dirs of the suite's engines (XCODER_SUITE_CACHE_DIR reuses a compile cache)."""
    root = Path(f"/tmp/xcoder-suite-{os.getpid()}")
    root.mkdir(mode=0o755, exist_ok=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def suite_host_facts(suite_root: Path, suite_uid_base: int):
    lib = load_suite_lib()
    canary = f"canary-{lib.new_token()}-do-not-leak"
    saved = {k: os.environ.get(k) for k in CANARY_ENV}
    for k in CANARY_ENV:
        os.environ[k] = canary if k != "REDIS_URL" else f"redis://:{canary}@127.0.0.1:6379/0"
    listener = lib.Listener()
    cache = Path(os.environ.get("XCODER_SUITE_CACHE_DIR") or suite_root / "cache")
    facts = lib.HostFacts(
        ipv4=lib.non_loopback_ipv4(),
        listener=listener,
        canary=canary,
        work_dir=suite_root / "work",
        cache_dir=cache,
        sandbox_uids=range(suite_uid_base, suite_uid_base + SUITE_SLOTS),
        slots=SUITE_SLOTS,
    )
    yield facts
    listener.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _engine(facts, *, uid: int, work: str, **overrides):
    from xcoder_judge.engine import Engine

    settings = Settings(
        slots=SUITE_SLOTS,
        cache_dir=facts.cache_dir,
        work_dir=facts.work_dir.parent / work,
        sandbox_uid=uid,
        **overrides,
    )
    engine = Engine(settings)
    engine.start()
    return engine


@pytest.fixture(scope="session")
def suite_engine(suite_host_facts) -> Iterator:
    """The engine every suite case is judged by (python_warm=True, the default)."""
    engine = _engine(suite_host_facts, uid=suite_host_facts.sandbox_uids.start, work="work", python_warm=True)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def suite_cold_engine(suite_host_facts) -> Iterator:
    """The same engine with python_warm=False: python3 is a fresh exec per test."""
    uid = suite_host_facts.sandbox_uids.start + 100
    engine = _engine(suite_host_facts, uid=uid, work="work-cold", python_warm=False)
    yield engine
    engine.close()
