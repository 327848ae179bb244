"""Checks run inside the cgroup v2 VM, in one scenario's cgroup (guest.sh places this process).

    python3 guest_checks.py service|pod

1. where this process sits, and (pod) that nsdelegate keeps the container's own limits out of
   reach from inside it;
2. the engine reports `cgroup: v2` with full isolation and leaves no cgroup behind;
3. pytest on $XCODER_VM_PYTEST (the suite's limit cases and hostile group, by default) with
   XCODER_JUDGE_CGROUP=v2, so a fallback to rlimits cannot pass silently;
4. (step `suite`, run by hand: cgroup_vm.py --suite) the suite's whole hostile and
   reward_hacking groups, in the languages the engine offers here, limits scaled by
   $XCODER_VM_SUITE_TIME_SCALE; every case left out is named with its reason;
5. the service: redis-server, `xcoder-judge worker` (in the pod scenario confined to the chart's
   five capabilities, no_new_privs and the worker seccomp profile) and `xcoder-judge api`; the
   HTTP smoke test (tests/deploy/smoke.py) must see the worker report cgroup v2.
Results go to $XCODER_VM_OUT/<scenario>.json; the exit status is 1 when any check failed.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]  # /srv/xcoder/src in the guest (guest.sh)
OUT = Path(os.environ.get("XCODER_VM_OUT", "/run/xcoder-vm-out"))  # set by the image's init
CGROUP = Path("/sys/fs/cgroup")
sys.path.insert(0, str(SRC))

from tests.deploy import smoke  # noqa: E402

results: dict[str, dict] = {}


def record(name: str, ok: bool, detail: object = "") -> None:
    results[name] = {"ok": bool(ok), "detail": detail}
    print(f"xcoder-vm: [{'ok' if ok else 'FAIL'}] {name}: {detail}", flush=True)


def own_group() -> Path:
    line = next(x for x in Path("/proc/self/cgroup").read_text().splitlines() if x.startswith("0::"))
    return CGROUP / line[3:].lstrip("/")


def leftovers(base: Path) -> list[str]:
    return sorted(p.name for p in base.glob("xcoder-judge-*") if not p.name.endswith("-init"))


def check_placement(scenario: str) -> Path:
    path = Path("/proc/self/cgroup").read_text().strip()
    base = own_group()
    controllers = (base / "cgroup.controllers").read_text().split()
    if scenario == "pod":
        record("cgroup namespace root", path == "0::/", path)
        record(
            "parent hierarchy hidden",
            not (CGROUP / "kubepods.slice").exists(),
            sorted(os.listdir(CGROUP))[:8],
        )
        try:
            (CGROUP / "memory.max").write_text("max")
            record("nsdelegate refuses raising the container's memory.max", False, "write succeeded")
        except OSError as e:
            record("nsdelegate refuses raising the container's memory.max", True, f"{type(e).__name__}: {e}")
    else:
        record("delegated subtree", path == "0::/system.slice/xcoder-judge-worker.service", path)
    record("controllers delegated", {"memory", "pids", "cpu"} <= set(controllers), controllers)
    return base


def check_engine(base: Path) -> None:
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine

    engine = Engine(
        Settings(slots=2, cgroup="v2", work_dir="/tmp/vm-probe/work", cache_dir="/tmp/vm-probe/cache")
    )
    engine.start()
    try:
        caps = engine.capabilities()
        record("engine cgroup", caps.cgroup == "v2", caps.model_dump())
        record("engine isolation", caps.level == "full", caps.level)
        groups = leftovers(base)
        slot_files = sorted(p.name for p in (base / groups[0]).iterdir()) if groups else []
        record("slot groups created", any(n.startswith("slot-") for n in slot_files), slot_files)
        check_tree_memory(engine)
    finally:
        engine.close()
    record("no cgroup left after close", not leftovers(base), leftovers(base))


TREE = r"""
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
    for (int i = 0; i < 6; i++)
        if (fork() == 0) {
            size_t n = (size_t)64 << 20;
            volatile char *p = malloc(n);
            for (size_t j = 0; j < n; j += 4096) p[j] = 1;
            sleep(20);
            _exit(0);
        }
    while (wait(0) > 0) {}
    return 0;
}
"""


def check_tree_memory(engine) -> None:
    """Memory of the whole tree, with CPU time to spare even under emulation (slow page faults):
    six children of 64 MiB that stay alive together under 256 MiB is MLE; each alone fits. Then
    a small program in the same slots: what it is reported to use (memory_kb) must be small, not
    the slot's lifetime peak (kernels before 6.12 cannot reset memory.peak)."""
    from xcoder_wire.schemas import Submission

    def judge(language: str, source: str, memory_mb: int):
        return engine.judge(Submission.model_validate({
            "language": language, "source": source,
            "limits": {"time_s": 30, "wall_s": 90, "memory_mb": memory_mb},
            "tests": [{"kind": "stdio", "input": "", "expected": None}] * 2,
        }))  # fmt: skip

    tree = judge("c", TREE, 256)
    record("tree of 6 x 64 MiB under 256 MiB is MLE", tree.verdict.value == "MLE",
           [(t.verdict.value, t.message) for t in tree.tests])  # fmt: skip
    fits = judge("c", TREE.replace("i < 6", "i < 2"), 256)
    record("tree of 2 x 64 MiB under 256 MiB passes", fits.verdict.value == "AC",
           [(t.verdict.value, t.message, t.memory_kb) for t in fits.tests])  # fmt: skip
    small = judge("python3", "print(1)\n", 256)
    kb = [t.memory_kb for t in small.tests]
    record("a small program after them is reported small", small.verdict.value == "AC" and max(kb) < 64 * 1024,
           {"memory_kb": kb, "kernel": os.uname().release})  # fmt: skip


def check_pytest(scenario: str, base: Path) -> None:
    args = shlex.split(os.environ.get("XCODER_VM_PYTEST", ""))
    if not args:
        return
    env = dict(os.environ, XCODER_JUDGE_CGROUP="v2")
    junit = OUT / f"{scenario}-junit.xml"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={junit}", *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=SRC, env=env, capture_output=True, text=True)
    (OUT / f"{scenario}-pytest.log").write_text(proc.stdout + proc.stderr)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-15:]
    print("\n".join(tail), flush=True)
    record(
        "pytest",
        proc.returncode == 0,
        {"rc": proc.returncode, "s": round(time.monotonic() - t0), "summary": tail[-1:]},
    )
    record("no cgroup left after pytest", not leftovers(base), leftovers(base))


SUITE_GROUPS = ("hostile", "reward_hacking")
SUITE_TEST = "services/judge/tests/test_suite.py"


def _suite_lib():
    import importlib.util

    name = "xcoder_judge_suite_lib"  # the name test_suite.py loads it under
    spec = importlib.util.spec_from_file_location(name, SRC / "services/judge/tests/suite/_lib.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _case_languages(case) -> set[str]:
    d = case.data
    return {d["language"]} | {
        d[k]["language"] for k in ("checker", "interactor") if "language" in d.get(k, {})
    }


def suite_left_out(cases, offered: set[str], dropped: dict[str, str]) -> dict[str, str]:
    """Case id -> why it cannot run here: a language it needs (its own, its checker's or its
    interactor's) is not offered, with the self-test's words for it (or: not installed)."""
    return {
        c.id: ", ".join(
            f"{lang} not offered ({dropped.get(lang, 'not installed')})"
            for lang in sorted(_case_languages(c) - offered)
        )
        for c in cases
        if not _case_languages(c) <= offered
    }


class _SelfTestLog(logging.Handler):
    """The engine's "failed its self-test" warnings: why a language is not offered here."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.dropped: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if "failed its self-test" in str(record.msg) and record.args:
            lang, verdict, detail = record.args
            self.dropped[str(lang)] = f"{verdict}: {str(detail)[:160]}"


SELF_TEST_LIMITS = {"time_s": 10.0, "memory_mb": 1024}  # Engine._self_test's
SELF_TEST_COMPILE = {"time_s": 60.0, "memory_mb": 2048}


def retry_self_test(engine, toolchains: dict, dropped: list[str], scale: float) -> dict[str, dict]:
    """The languages the start-up self-test dropped, judged once more with its limits times
    `scale` (capped at the wire maximum), as the suite scales its cases' limits. A language that
    passes is offered again; each row says what the program and its compile took, so a language
    still dropped is dropped for a measured reason (a compile already at the 60 s maximum
    cannot be given more)."""
    from xcoder_wire.schemas import MAX_TIME_S, StdioTest, Submission

    out: dict[str, dict] = {}
    if scale <= 1.0:
        return out
    limits = dict(SELF_TEST_LIMITS, time_s=min(MAX_TIME_S, SELF_TEST_LIMITS["time_s"] * scale))
    compile_limits = dict(SELF_TEST_COMPILE, time_s=min(MAX_TIME_S, SELF_TEST_COMPILE["time_s"] * scale))
    for lang in dropped:
        tc = toolchains.get(lang)
        if tc is None:
            continue
        engine.toolchains[lang] = tc  # the judge shares this dict: offered again for this run
        sub = Submission(language=lang, source=tc.language.self_test,
                         tests=[StdioTest(input="xcoder 42\n", expected="xcoder 42\n")],
                         compile_limits=compile_limits, limits=limits)  # fmt: skip
        res = engine.judge(sub)
        t = res.tests[0] if res.tests else None
        row = {"verdict": res.verdict.value, "limits": limits, "compile_limits": compile_limits,
               "compile_s": res.compile.time_s if res.compile else None,
               "time_s": t.time_s if t else None, "wall_s": t.wall_s if t else None,
               "message": (res.message or (t.message if t else ""))[:160]}  # fmt: skip
        if res.compile is not None and not res.compile.ok:
            row["compile_output"] = res.compile.output.strip()[-200:]
        if res.verdict != "AC":
            del engine.toolchains[lang]
        out[lang] = row
    return out


def check_suite(scenario: str, base: Path) -> None:
    """The suite's hostile and reward_hacking groups, every case the engine here can judge.

    A probe engine (the suite's settings, XCODER_JUDGE_LANGUAGES = the groups' languages) builds
    the C++ PCH, then runs the start-up self-test once; the languages it drops (under emulation: runtimes whose start-up
    outlasts the self-test's CPU limit) leave their cases out, each named with the reason. The
    suite's own engine then offers exactly the probe's languages (no second self-test, so the
    two agree). Limits are scaled by XCODER_SUITE_TIME_SCALE except where a case fixes them.
    """
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine

    from tests.deploy.cgroup_vm import CALIBRATION_LOOP

    lib = _suite_lib()
    scale = os.environ.get("XCODER_VM_SUITE_TIME_SCALE", "1")
    narrow = os.environ.get("XCODER_VM_SUITE_K", "")
    loop = subprocess.run(
        [sys.executable, "-c", CALIBRATION_LOOP], capture_output=True, text=True, check=True
    )
    host_s = float(os.environ.get("XCODER_VM_HOST_LOOP_S") or "nan")
    record("suite: this guest's slowdown (the same Python loop, CPU time here / on the host)", True,
           {"guest_s": round(float(loop.stdout), 3), "host_s": host_s, "slowdown": round(float(loop.stdout) / host_s, 1),
            "time_scale": scale})  # fmt: skip
    cases = lib.discover(groups=SUITE_GROUPS)
    if narrow:  # a rerun of some cases (cgroup_vm.py --suite-k): only their languages are probed
        cases = [c for c in cases if any(part.strip() in c.id for part in narrow.split(" or "))]
    wanted = sorted(set().union(*(_case_languages(c) for c in cases)))
    cache = Path("/tmp/vm-suite/cache")  # the probe's compiles serve the suite (XCODER_SUITE_CACHE_DIR)
    seen = _SelfTestLog()
    logging.getLogger().addHandler(seen)
    t0 = time.monotonic()
    # The C++ self-test includes <bits/stdc++.h>: without its PCH that alone outlasts the
    # self-test's 60 s compile limit under emulation. A worker in steady state has the PCH, so
    # the probe builds it first (wait_pch) and only then runs the engine's own self-test.
    engine = Engine(Settings(slots=2, cgroup="v2", languages=",".join(wanted), work_dir="/tmp/vm-suite/probe",
                             cache_dir=cache, pch=True, self_test=False))  # fmt: skip
    try:
        engine.start()
        engine.wait_pch()
        toolchains = dict(engine.toolchains)
        engine._self_test()  # the engine's start-up self-test, run once the PCH is there
        retried = retry_self_test(engine, toolchains, sorted(seen.dropped), float(scale))
        if retried:
            record("suite: self-test again with its limits scaled as the suite's are", True, retried)
        offered = sorted(lang.id for lang in engine.languages())
    finally:
        engine.close()
        logging.getLogger().removeHandler(seen)
    record("suite languages offered", bool(offered),
           {"offered": offered, "dropped by the self-test": seen.dropped, "s": round(time.monotonic() - t0)})  # fmt: skip
    reasons = suite_left_out(cases, set(offered), seen.dropped)
    (OUT / "suite-left-out.json").write_text(json.dumps(reasons, indent=1))
    print(
        "\n".join(f"xcoder-vm: suite leaves out {cid}: {why}" for cid, why in sorted(reasons.items())),
        flush=True,
    )
    fixed = {c.id: c.data["fixed_limits"] for c in cases if "fixed_limits" in c.data}
    record("suite cases left out", True, {"count": len(reasons), "of": len(cases), "fixed_limits": fixed})

    verdicts = OUT / "suite-verdicts.jsonl"
    env = dict(os.environ, XCODER_JUDGE_CGROUP="v2", XCODER_JUDGE_LANGUAGES=",".join(offered),
               XCODER_JUDGE_SELF_TEST="false", XCODER_SUITE_TIME_SCALE=scale,
               XCODER_SUITE_CACHE_DIR=str(cache), XCODER_SUITE_RECORD=str(verdicts))  # fmt: skip
    junit = OUT / f"{scenario}-suite-junit.xml"
    k = " or ".join(f"{g}/" for g in SUITE_GROUPS)
    if narrow:
        k = f"({k}) and ({narrow})"
    deselect = [a for cid in sorted(reasons) for a in ("--deselect", f"{SUITE_TEST}::test_case[{cid}]")]
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rfE", f"--junitxml={junit}",
           SUITE_TEST, "-k", k, *deselect]  # fmt: skip
    t0 = time.monotonic()
    print(f"xcoder-vm: suite: pytest -k '{k}', {len(reasons)} deselected, time scale {scale}", flush=True)
    # -v, each line to the console as it comes: an hour-long run shows its progress on the host
    with open(OUT / f"{scenario}-suite.log", "w") as log:
        proc = subprocess.Popen(
            [*cmd, "-v"], cwd=SRC, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if " PASSED" in line or " FAILED" in line or " ERROR" in line:
                print(f"xcoder-vm: [{time.monotonic() - t0:5.0f} s] {line.rstrip()[:200]}", flush=True)
        proc.wait()
    text = (OUT / f"{scenario}-suite.log").read_text()
    tail = [line for line in text.splitlines() if line.strip()][-60:]
    print("\n".join(tail), flush=True)
    rows = [json.loads(x) for x in verdicts.read_text().splitlines()] if verdicts.exists() else []
    only_tle = sorted(
        r["id"] for r in rows if r["id"].startswith("reward_hacking/") and set(r["verdicts"]) == {"TLE"}
    )
    record("suite", proc.returncode == 0 and len(rows) == len(cases) - len(reasons),
           {"rc": proc.returncode, "s": round(time.monotonic() - t0), "judged": len(rows),
            "passed": sum(r["ok"] for r in rows), "failed": sorted(r["id"] for r in rows if not r["ok"]),
            "summary": tail[-1:]})  # fmt: skip
    # a reward-hacking case that ended only by TLE proved nothing about the hack (under emulation
    # the program may simply have been slow): listed, so the run can be judged by it
    record("suite reward_hacking cases ended only by TLE", True, only_tle)
    record("no cgroup left after the suite", not leftovers(base), leftovers(base))


def _confined(cmd: list[str]) -> list[str]:
    """The worker as the chart starts it: its five capabilities, no_new_privs, the seccomp profile."""
    import yaml

    values = yaml.safe_load((SRC / "helm/xcoder/values.yaml").read_text())
    caps = values["judge"]["worker"]["sandbox"]["capabilities"]
    bounding = ",".join(["-all"] + [f"+{c.lower()}" for c in caps])
    return ["setpriv", "--no-new-privs", "--bounding-set", bounding, "--inh-caps", "-all", "--",
            sys.executable, str(SRC / "tests/deploy/seccomp_exec.py"), str(SRC / "docker/seccomp/judge-worker.json"),
            "--", *cmd]  # fmt: skip


def check_service(scenario: str, base: Path) -> None:
    env = dict(
        os.environ,
        XCODER_JUDGE_REDIS_URL="redis://127.0.0.1:6391/0",
        XCODER_JUDGE_CGROUP="v2",
        XCODER_JUDGE_SLOTS="2",
        XCODER_JUDGE_WORK_DIR="/tmp/vm-service/work",
        XCODER_JUDGE_CACHE_DIR="/tmp/vm-service/cache",
        XCODER_JUDGE_PORT="8000",
        XCODER_JUDGE_HOST="127.0.0.1",
        XCODER_JUDGE_API_WORKERS="1",
    )
    judge = shutil.which("xcoder-judge")
    worker_cmd = [judge, "worker"]
    if scenario == "pod":
        worker_cmd = _confined(worker_cmd)
    logs = {n: open(OUT / f"{scenario}-{n}.log", "w") for n in ("redis", "worker", "api")}  # noqa: SIM115
    procs = [
        subprocess.Popen(["redis-server", "--port", "6391", "--save", "", "--appendonly", "no"],
                         stdout=logs["redis"], stderr=subprocess.STDOUT),
        subprocess.Popen(worker_cmd, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT),
        subprocess.Popen([judge, "api"], env=env, stdout=logs["api"], stderr=subprocess.STDOUT),
    ]  # fmt: skip
    try:
        problems = smoke.run("http://127.0.0.1:8000", cgroup="v2", workers=1, key=None, ready_s=120)
        record("service smoke (HTTP)", not problems, problems or "all verdicts as expected")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=100)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs.values():
            f.close()
    record("worker stopped cleanly", procs[1].returncode == 0, procs[1].returncode)
    record("no cgroup left after the worker", not leftovers(base), leftovers(base))


def main() -> int:
    scenario = sys.argv[1]
    steps = [s for s in os.environ.get("XCODER_VM_STEPS", "engine pytest service").split()]
    try:
        base = check_placement(scenario)
        if "engine" in steps:
            check_engine(base)
        if "pytest" in steps:
            check_pytest(scenario, base)
        if "suite" in steps:
            check_suite(scenario, base)
        if "service" in steps:
            check_service(scenario, base)
    except Exception as e:  # recorded, so the host sees which step broke
        record("guest checks crashed", False, f"{type(e).__name__}: {e}")
    (OUT / f"{scenario}.json").write_text(json.dumps(results, indent=1, default=str))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
