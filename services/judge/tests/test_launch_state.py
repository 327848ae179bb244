"""Verdicts must not depend on how the judge was started (engine/sandbox/launch_state.py).

odd_launch.py starts a process under a deliberately odd state (signals ignored and blocked,
umask 077, a low open-files limit, nice 10, one CPU, no address randomisation, no locale, an odd
TZ, no stdin, a stray descriptor) or a plain one. The same suite cases are judged by an engine
launched each way, and by `xcoder-judge serve` launched the odd way; every result must meet
its case's expectations and equal the plain launch's, test by test.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xcoder_judge.engine.sandbox import launch_state
from xcoder_judge.testing import claim_uid_block, free_port

HERE = Path(__file__).parent
LAUNCH = str(HERE / "odd_launch.py")
SPECS = ["parity", "verdicts:python3,c"]
# Outputs that differ between any two runs by design (a fresh seed per process or per box).
UNSTABLE = re.compile(r"parity/(hash_seed|random_differs)$")
_DIRS = re.compile(r"(?<![\w.])/(?:[^\s\"'/:]+/)+(?=[^\s\"'/:]+)")


def _launch(mode: str, argv: list[str], **kw) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, LAUNCH, mode, "--", *argv], **kw)


def _judged(mode: str, root: Path, uid: int, specs: list[str]) -> dict:
    root.mkdir(mode=0o755)
    out = root / "results.json"
    proc = _launch(
        mode,
        [sys.executable, LAUNCH, "judge", str(out), str(uid), *specs],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    log, _ = proc.communicate(timeout=1500)
    err = out.with_suffix(".err")
    text = log.decode(errors="replace") + (err.read_text() if err.exists() else "")
    assert proc.returncode == 0, f"{mode} launch failed:\n{text[-4000:]}"
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def uid_base() -> Iterator[int]:
    base, lock = claim_uid_block()
    yield base
    lock.release()


@pytest.fixture(scope="module")
def plain_results(tmp_path_factory: pytest.TempPathFactory, uid_base: int) -> dict:
    root = tmp_path_factory.mktemp("launch")
    root.chmod(0o755)
    return _judged("plain", root / "plain", uid_base, SPECS)


def _comparable(key: str, result: dict) -> list[dict]:
    tests = []
    for t in result["tests"]:
        t = dict(t)
        if UNSTABLE.search(key):
            t.pop("stdout")
        t["stderr"] = _DIRS.sub("", t["stderr"] or "")
        tests.append(t)
    return tests


CAP_SYS_NICE, CAP_SYS_RESOURCE = 23, 24


def _has_capability(cap: int) -> bool:
    with open("/proc/self/status") as f:
        eff = next(line for line in f if line.startswith("CapEff:"))
    return bool(int(eff.split()[1], 16) >> cap & 1)


def test_normalise_resets_what_an_odd_launch_sets() -> None:
    """launch_state itself, run (as judge code, not submitted code) under the odd launch."""
    probe = (
        "import json, os, resource, signal, sys; sys.path.insert(0, sys.argv[1]); import launch_state;"
        "w = launch_state.normalise();"
        "print(json.dumps({'warnings': w,"
        " 'handlers': {str(int(s)): int(h) if isinstance(h, int) else h.__name__ for s in signal.valid_signals()"
        "              if s not in (signal.SIGKILL, signal.SIGSTOP) for h in [signal.getsignal(s)]},"
        " 'blocked': sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])),"
        " 'umask': os.umask(0o22), 'nice': os.getpriority(os.PRIO_PROCESS, 0),"
        " 'cpus': len(os.sched_getaffinity(0)), 'sched': os.sched_getscheduler(0),"
        " 'personality': open('/proc/self/personality').read().strip(),"
        " 'nofile': resource.getrlimit(resource.RLIMIT_NOFILE)}))"
    )
    box_dir = str(Path(launch_state.__file__).parent)
    proc = _launch(
        "odd", [sys.executable, "-c", probe, box_dir], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    state = json.loads(out)
    handlers = state["handlers"]
    assert handlers.pop(str(int(signal.SIGINT))) == "default_int_handler"
    assert handlers.pop(str(int(signal.SIGPIPE))) == handlers.pop(str(int(signal.SIGXFSZ))) == signal.SIG_IGN
    assert set(handlers.values()) == {signal.SIG_DFL}, handlers  # the real-time signals too
    assert state["blocked"] == []
    assert state["umask"] == 0o022
    assert state["sched"] == os.SCHED_OTHER
    assert state["personality"] == "00000000"
    assert state["cpus"] == len(os.sched_getaffinity(0))
    assert state["nice"] == 0 or not _has_capability(CAP_SYS_NICE)
    # The odd launch lowered the soft open-files limit only: the table's value can be set.
    assert state["nofile"] == list(launch_state.RLIMITS["RLIMIT_NOFILE"])
    unreachable = set()
    if not _has_capability(CAP_SYS_RESOURCE):
        for name, (_, hard) in launch_state.RLIMITS.items():
            res = getattr(resource, name, None)
            if res is not None and launch_state._lt(resource.getrlimit(res)[1], hard):
                unreachable.add(name)
    assert {w.split(":")[0] for w in state["warnings"]} == unreachable, state["warnings"]


def test_normalise_sets_every_documented_rlimit() -> None:
    """The table covers every rlimit this Python knows, so none is left to the launcher."""
    known = {getattr(resource, n): n for n in dir(resource) if n.startswith("RLIMIT_")}  # OFILE = NOFILE
    covered = {getattr(resource, n) for n in launch_state.RLIMITS if hasattr(resource, n)}
    assert set(known) <= covered, [known[r] for r in set(known) - covered]


def test_box_limits_leave_room_for_every_run_limit() -> None:
    """A run lowers its limits from the box's; raising one would need CAP_SYS_RESOURCE."""
    from xcoder_wire.schemas import MAX_OPEN_FILES, MAX_PROCESSES

    table = launch_state.RLIMITS
    assert table["RLIMIT_NOFILE"][1] >= MAX_OPEN_FILES
    assert table["RLIMIT_NPROC"][1] >= MAX_PROCESSES
    for name in ("RLIMIT_CPU", "RLIMIT_STACK", "RLIMIT_FSIZE", "RLIMIT_AS"):
        assert table[name][1] == resource.RLIM_INFINITY, name


@pytest.mark.slow
def test_engine_under_an_odd_launch_judges_as_a_plain_one(
    tmp_path_factory: pytest.TempPathFactory, uid_base: int, plain_results: dict
) -> None:
    root = tmp_path_factory.mktemp("launch")
    root.chmod(0o755)
    odd_results = _judged("odd", root / "odd", uid_base, SPECS)
    assert sorted(odd_results) == sorted(plain_results)
    assert any(k.startswith("cold parity/") for k in plain_results)
    errors = []
    for key in sorted(plain_results):
        plain, odd = plain_results[key], odd_results[key]
        errors += [f"plain {key}: {e}" for e in plain["errors"]]
        errors += [f"odd {key}: {e}" for e in odd["errors"]]
        a, b = _comparable(key, plain), _comparable(key, odd)
        if a != b:
            errors.append(f"{key}: plain {json.dumps(a)[:1500]}\n  odd {json.dumps(b)[:1500]}")
    assert not errors, "\n".join(errors)


@pytest.mark.slow
def test_engine_started_without_stdio_judges_as_a_plain_one(
    tmp_path_factory: pytest.TempPathFactory, uid_base: int, plain_results: dict
) -> None:
    """Started with fds 0-2 closed, the judge's next descriptors would take those numbers (and
    Python opens them close-on-exec, so a box would start without a stderr)."""
    root = tmp_path_factory.mktemp("launch")
    root.chmod(0o755)
    got = _judged("no-stdio", root / "no-stdio", uid_base, ["parity/process_state"])
    assert sorted(got) == ["cold parity/process_state", "warm parity/process_state"]
    for key, result in got.items():
        assert result["errors"] == [], key
        assert _comparable(key, result) == _comparable(key, plain_results[key]), key


@pytest.mark.slow
def test_serve_under_an_odd_launch_judges_as_a_plain_engine(
    tmp_path_factory: pytest.TempPathFactory, uid_base: int, plain_results: dict
) -> None:
    sys.path.insert(0, str(HERE / "suite"))
    import _lib as lib

    root = tmp_path_factory.mktemp("serve")
    root.chmod(0o755)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XCODER_JUDGE_")}
    env |= {
        "XCODER_JUDGE_CACHE_DIR": str(root / "cache"),
        "XCODER_JUDGE_WORK_DIR": str(root / "work"),
        "XCODER_JUDGE_SANDBOX_UID": str(uid_base + 80),
        "XCODER_JUDGE_LANGUAGES": "python3",
        "XCODER_JUDGE_SLOTS": "1",
        "XCODER_JUDGE_PCH": "false",
    }
    log_path = root / "serve.log"
    with open(log_path, "wb") as log:
        serve = _launch(
            "odd",
            [sys.executable, "-m", "xcoder_judge.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    cases = [c for c in lib.discover(groups={"parity"}) if not UNSTABLE.search(c.id)]
    try:
        deadline = time.monotonic() + 240
        while "serve: ready" not in log_path.read_text(errors="replace"):
            assert serve.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        errors = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            for case in cases:
                payload = lib.submission_payload(case, {})  # parity cases use no {{placeholders}}
                payload["output"] = "all"
                r = client.post("/v1/submissions", json=payload)
                assert r.status_code == 200, r.text
                tests = [
                    {k: t.get(k) for k in ("verdict", "exit_code", "signal", "stdout", "stderr")}
                    for t in r.json()["result"]["tests"]
                ]
                key = f"warm {case.id}"
                got = _comparable(key, {"tests": tests})
                want = _comparable(key, plain_results[key])
                if got != want:
                    errors.append(f"{key}: plain {json.dumps(want)[:1500]}\n  serve {json.dumps(got)[:1500]}")
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=120) == 0, log_path.read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert "exiting: SIGTERM; drained" in log_path.read_text()  # its worker got SIGTERM though blocked
    assert not errors, "\n".join(errors)
