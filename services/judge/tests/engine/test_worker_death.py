"""A worker SIGKILLed mid-run or idle takes its sandbox with it, at once and quietly.

The worker (here: an Engine in a process of its own) is killed while a program that sleeps
runs, or between runs. Every process under it (keeper, box, forker, the program) must be gone
within about a second, not when the run's wall limit would have ended it, and the box must say
so in one line on stderr, without a traceback. Both isolation levels: root (namespaces; the box
is PID 1 of the slot's PID namespace) and an unprivileged judge (no namespaces: the box itself
has to kill the run it abandons).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from xcoder_judge.testing import claim_uid_block

REPO = Path(__file__).resolve().parents[4]
GONE_WITHIN_S = 1.5

WORKER = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine
    from xcoder_wire.schemas import Submission
    root, uid, python, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    extra = {"python": python} if python else {}
    e = Engine(Settings(slots=1, cache_dir=root / "cache", work_dir=root / "work", sandbox_uid=uid,
                        languages="python3", self_test=False, **extra))
    e.start()
    if mode == "idle":
        e.judge(Submission(language="python3", source="print(1)", tests=[{"input": ""}]))  # the slot is up
        print("RUNNING", flush=True)
        time.sleep(120)
    sleeper = Submission(language="python3", source="import time\\ntime.sleep(50)\\n", tests=[{"input": ""}],
                         limits={"time_s": 30, "wall_s": 50})
    threading.Thread(target=e.judge, args=(sleeper,), daemon=True).start()
    while e.slots_busy < 1:
        time.sleep(0.01)
    time.sleep(1.0)  # the program is running now
    print("RUNNING", flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def world_dir():
    """A scratch directory an unprivileged judge can use (pytest's tmp_path sits under a 0700 one)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="xcoder-worker-death-", dir="/tmp"))
    d.chmod(0o777)
    yield d
    from xcoder_judge.engine.sandbox.pch_mount import sweep_stale

    sweep_stale(d / "work")  # the killed worker's PCH tmpfs, as the next worker there would
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("mode", ["run", "idle"])
@pytest.mark.parametrize("as_root", [True, False], ids=["isolated", "unprivileged"])
def test_sigkilled_worker_takes_its_boxes_along_quietly(as_root: bool, mode: str, world_dir: Path) -> None:
    base, lock = claim_uid_block()
    stderr_path = world_dir / "stderr"
    if as_root:
        argv = [sys.executable, "-c", WORKER, str(world_dir), str(base), "", mode]
        env = dict(os.environ)
    else:  # as nobody, under the system Python (root's virtualenv is not readable)
        site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
        argv = [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            WORKER,
        ]
        argv += [str(world_dir), str(base), "/usr/bin/python3", mode]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(world_dir),
            "PYTHONPATH": f"{REPO / 'wire'}:{REPO / 'services' / 'judge'}:{site}",
        }
    try:
        with open(stderr_path, "wb") as err:
            worker = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env, cwd=world_dir)
        try:
            line = worker.stdout.readline()
            assert line == b"RUNNING\n", stderr_path.read_text()[-3000:]
            tree = [p.pid for p in psutil.Process(worker.pid).children(recursive=True)]
            # keeper (isolated only), box, forker, and the program while one runs
            assert len(tree) >= (3 if as_root else 2) + (mode == "run"), tree
            os.kill(worker.pid, signal.SIGKILL)
            killed = time.monotonic()
            worker.wait()
            while any(_alive(pid) for pid in tree) and time.monotonic() - killed < 30:
                time.sleep(0.02)
            gone_after = time.monotonic() - killed
            survivors = [pid for pid in tree if _alive(pid)]
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        for pid in survivors:  # leave nothing behind, whatever the outcome
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        lock.release()
    stderr = stderr_path.read_text()
    assert not survivors, f"still alive 30 s after the worker died: {survivors}"
    assert gone_after < GONE_WITHIN_S, f"the sandbox outlived its worker by {gone_after:.2f} s"
    assert "Traceback" not in stderr, stderr[-3000:]
    said = [ln for ln in stderr.splitlines() if ln.startswith("xcoder box")]
    assert len(said) == 1 and "worker" in said[0], stderr[-3000:]
