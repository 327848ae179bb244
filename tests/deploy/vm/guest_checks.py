"""Checks run inside the cgroup v2 VM, in one scenario's cgroup (guest.sh places this process).

    python3 guest_checks.py service|pod

1. where this process sits, and (pod) that nsdelegate keeps the container's own limits out of
   reach from inside it;
2. the engine reports `cgroup: v2` with full isolation and leaves no cgroup behind;
3. pytest on $XCODER_VM_PYTEST (the suite's limit cases and hostile group, by default) with
   XCODER_JUDGE_CGROUP=v2, so a fallback to rlimits cannot pass silently;
4. the service: redis-server, `xcoder-judge worker` (in the pod scenario confined to the chart's
   five capabilities, no_new_privs and the worker seccomp profile) and `xcoder-judge api`; the
   HTTP smoke test (tests/deploy/smoke.py) must see the worker report cgroup v2.
Results go to $XCODER_VM_OUT/<scenario>.json; the exit status is 1 when any check failed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

SRC = Path("/opt/xcoder/src")
OUT = Path(os.environ["XCODER_VM_OUT"])
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
        if "service" in steps:
            check_service(scenario, base)
    except Exception as e:  # recorded, so the host sees which step broke
        record("guest checks crashed", False, f"{type(e).__name__}: {e}")
    (OUT / f"{scenario}.json").write_text(json.dumps(results, indent=1, default=str))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
