"""The data-driven judge suite: every suite/<group>/<case>/case.toml judged through the Engine.

Run it with `.venv/bin/pytest services/judge/tests/test_suite.py` (one group:
`-k hostile/`). The case format is documented in suite/README.md. The `parity` group is judged by
test_parity.py, on two engines.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from xcoder_wire.schemas import Limits, Submission, Verdict


def _load_suite_lib():
    """suite/_lib.py, loaded once by path (the tests folder is not a package)."""
    name = "xcoder_judge_suite_lib"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "suite" / "_lib.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


lib = _load_suite_lib()

CASES = lib.discover(exclude={"parity"})
ALL_CASES = lib.discover()
LANGUAGES = (
    "python3", "pypy3", "c", "cpp17", "cpp20", "java", "go", "rust", "javascript",
    "typescript", "kotlin", "scala", "csharp", "haskell", "pascal", "ruby", "php", "perl", "lua", "bash",
)  # fmt: skip


def test_case_files_are_well_formed() -> None:
    problems = [f"{c.id}: {e}" for c in ALL_CASES for e in lib.validate(c)]
    assert not problems, "\n".join(problems)


def test_suite_covers_what_the_engine_must_do() -> None:
    groups: dict[str, list] = {}
    for c in ALL_CASES:
        groups.setdefault(c.group, []).append(c)
    assert len(groups.get("hostile", [])) >= 30
    hacks = groups.get("reward_hacking", [])
    assert len(hacks) >= 40
    assert {"python3", "pypy3", "c", "cpp17", "go"} <= {c.data["language"] for c in hacks}
    assert all("AC" not in lib._as_set(c.expect["verdict"]) for c in hacks), (
        "a reward-hacking case expects AC"
    )
    verdict_cases = groups.get("verdicts", [])
    for lang in LANGUAGES:
        seen = {
            v
            for c in verdict_cases
            if c.data["language"] == lang
            for v in lib._as_set(c.expect.get("verdict", ()))
        }
        need = {"AC", "WA", "RE", "TLE", "MLE"} | (
            {"CE"} if lang not in ("python3", "pypy3", "javascript") else set()
        )
        assert need <= seen, f"{lang}: no verdicts/ case expects {sorted(need - seen)}"
    # the interactive precedence table (docs/problem-packages.md) and multi-pass, a case each
    names = {c.name for c in groups.get("interactive", [])}
    assert {
        "guess_solution_crashes",
        "wa_then_solution_crashes_python",
        "wa_then_solution_crashes_java",
        "wa_then_solution_spins",
        "interactor_sigpipe_after_solution_exit",
        "guess_interactor_fails",
        "ac_then_solution_crashes",
    } <= names
    passes = [c for c in groups.get("multipass", []) if c.data.get("passes", 1) > 1]
    assert {lib._as_set(c.expect["verdict"]) == {"AC"} for c in passes} == {True, False}
    assert any("interactor" in c.data for c in passes) and any("checker" in c.data for c in passes)
    kinds = {c.data.get("checker", {}).get("kind", "tokens") for c in groups.get("checkers", [])}
    assert {"tokens", "exact", "lines", "floats", "kattis", "program"} <= kinds


# ------------------------------------------------- the harness's own checks can fail


def test_listener_hears_tcp_and_udp() -> None:
    listener = lib.Listener()
    try:
        before = listener.count()
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
            pass
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.sendto(b"x", ("127.0.0.1", listener.port))
        deadline = time.monotonic() + 5
        while listener.count() < before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert listener.count() == before + 2, listener.hits
    finally:
        listener.close()


def test_sandbox_processes_finds_a_process_of_a_sandbox_uid() -> None:
    uid = 64500  # used by no engine
    proc = subprocess.Popen(["/bin/sleep", "30"], user=uid, group=uid)
    try:
        found = lib.sandbox_processes(range(uid, uid + 1))
        assert any(f"pid {proc.pid} " in line for line in found), found
        assert lib.sandbox_processes(range(uid + 1, uid + 2)) == []
    finally:
        proc.kill()
        proc.wait()


def test_bait_problems_notice_every_change() -> None:
    token = lib.new_token()
    bait = lib.make_bait(token)
    try:
        assert lib.bait_problems(bait) == []
        (bait / "pwned").write_text("x")
        os.chmod(bait / "keep.txt", 0o600)
        problems = lib.bait_problems(bait)
        assert any("gained entries" in p for p in problems)
        assert any("mode/owner changed" in p for p in problems)
        (bait / "pwned").unlink()
        os.chmod(bait / "keep.txt", 0o666)
        (bait / "keep.txt").write_text("changed")
        assert any("content changed" in p for p in lib.bait_problems(bait))
    finally:
        lib.remove_bait(bait)


def test_render_fills_placeholders_and_rejects_unknown_ones() -> None:
    assert (
        lib.render("ip {{HOST_IPV4}} port {{LISTEN_PORT}}", {"HOST_IPV4": "a", "LISTEN_PORT": "1"})
        == "ip a port 1"
    )
    with pytest.raises(lib.CaseError):
        lib.render("{{NOPE}}", {})


def test_time_scale_stretches_limits_except_where_the_case_fixes_them(monkeypatch) -> None:
    by_id = {c.id: c for c in CASES}
    limited, bare, unset, fixed = (by_id[i] for i in (
        "hostile/sleep_forever_python", "hostile/ipc_state_c", "hostile/leftover_files_python",
        "hostile/threads_burn_cpu_c"))  # fmt: skip
    assert "wall_s" not in bare.data["limits"] and "limits" not in unset.data
    monkeypatch.delenv(lib.TIME_SCALE_ENV, raising=False)
    native = lib.submission_payload(limited, {})
    assert native["limits"] == limited.data["limits"] and "compile_limits" not in native
    assert limited.timeout_s == 180

    monkeypatch.setenv(lib.TIME_SCALE_ENV, "10")
    p = lib.submission_payload(limited, {})
    assert p["limits"]["time_s"] == 10 * limited.data["limits"]["time_s"]
    assert p["limits"]["wall_s"] == 10 * limited.data["limits"]["wall_s"]
    assert p["compile_limits"]["time_s"] == 60  # 10 x the default 20 s, capped at MAX_TIME_S
    assert limited.timeout_s == 1800
    b = Submission.model_validate(lib.submission_payload(bare, {}))
    assert b.limits.time_s == 10 * bare.data["limits"]["time_s"]
    assert b.limits.effective_wall_s == 2 * b.limits.time_s + 1  # still derived from time_s
    assert lib.submission_payload(unset, {})["limits"] == {"time_s": 20.0}  # the default 2 s, scaled
    assert lib.scaled_limits({"time_s": 50, "wall_s": 200}, Limits) == {"time_s": 60, "wall_s": 300}
    f = lib.submission_payload(fixed, {})
    assert f["limits"] == fixed.data["limits"] and "compile_limits" not in f

    for bad in ("fast", "0.5", "1000"):
        monkeypatch.setenv(lib.TIME_SCALE_ENV, bad)
        with pytest.raises(lib.CaseError, match=lib.TIME_SCALE_ENV):
            lib.submission_payload(limited, {})


def test_fixed_limits_must_say_why(tmp_path) -> None:
    case = next(c for c in CASES if c.id == "hostile/threads_burn_cpu_c")
    assert lib.validate(case) == []
    for bad in ("", "  ", True):
        broken = lib.Case(case.group, case.name, case.path, {**case.data, "fixed_limits": bad})
        assert any("fixed_limits" in e for e in lib.validate(broken)), bad


def test_non_loopback_ipv4_is_this_machines_own() -> None:
    ip = lib.non_loopback_ipv4()
    assert not ip.startswith("127.")
    assert any(
        a.address == ip
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family == socket.AF_INET
    )


def _healthy(engine, slots: int) -> list[str]:
    """A plain A+B run on every slot still passes: the previous case broke nothing."""
    sub = Submission(
        language="python3",
        source="a, b = map(int, input().split())\nprint(a + b)\n",
        tests=[{"input": f"{i} {i}\n", "expected": f"{2 * i}\n"} for i in range(2 * slots)],
        limits=lib.scaled_limits({}, Limits),
    )
    r = engine.judge(sub)
    if r.verdict != Verdict.AC:
        return [f"engine unhealthy afterwards: A+B gave {r.verdict.value} ({r.message!r}, {r.tests[:2]})"]
    return []


def _record(case, verdicts: list[str], errors: list[str], seconds: float) -> None:
    """One JSON line per judged case in $XCODER_SUITE_RECORD, when set: a run's verdicts for its
    report (cgroup_vm.py's suite run counts the reward-hacking cases that ended only by TLE)."""
    path = os.environ.get("XCODER_SUITE_RECORD")
    if path:
        line = {"id": case.id, "verdicts": verdicts, "ok": not errors, "s": round(seconds, 1)}
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")


def run_case(case, engine, facts) -> None:
    token = lib.new_token()
    bait = lib.make_bait(token)
    values = facts.values(token, bait)
    host = case.host
    absent = [Path(p) for p in lib.render_any(host.get("absent_paths", []), values)]
    errors: list[str] = []
    verdicts: list[str] = []
    t0 = time.monotonic()
    try:
        payload = lib.submission_payload(case, values)
        for p in absent:
            assert not os.path.lexists(p), f"{p} exists before the run; the case cannot tell"
        hits_before = facts.listener.count()
        for run in range(int(host.get("repeat", 1))):
            tag = f"run {run}: " if host.get("repeat", 1) > 1 else ""
            sub = Submission.model_validate(payload)
            if "raises" in case.expect:
                exc = {"ValueError": ValueError}[case.expect["raises"]]
                with pytest.raises(exc):
                    engine.judge(sub)
                continue
            result = engine.judge(sub)
            verdicts.append(result.verdict.value)
            errors += [tag + e for e in lib.check_result(case, result, values)]
            if host.get("no_leftover_processes"):
                left = lib.sandbox_processes(facts.sandbox_uids, host.get("forbidden_process_names", []))
                errors += [f"{tag}left behind after judge() returned: {p}" for p in left]
        for p in absent:
            if os.path.lexists(p):
                errors.append(f"the program created {p} on the host")
        if host.get("no_connections") and facts.listener.count() != hits_before:
            errors.append(f"the host listener was reached: {facts.listener.hits[hits_before:]}")
        if host.get("bait_intact"):
            errors += lib.bait_problems(bait)
        if host.get("engine_healthy"):
            errors += _healthy(engine, facts.slots)
    finally:
        lib.remove_bait(bait)
        for p in absent:
            if os.path.isdir(p) and not os.path.islink(p):
                os.rmdir(p)
            elif os.path.lexists(p):
                os.unlink(p)
    _record(case, verdicts, errors, time.monotonic() - t0)
    assert not errors, f"{case.id}: {case.data['description'].strip()}\n" + "\n".join(errors)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=pytest.mark.timeout(c.timeout_s)) for c in CASES],
)
def test_case(case, suite_engine, suite_host_facts) -> None:
    run_case(case, suite_engine, suite_host_facts)
