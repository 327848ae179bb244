"""The C launcher (launcher.c) and the Python path (confine.py) leave a program in the same state.

Two engines side by side, `launcher="c"` and `launcher="python"`: the same probe program reports
every confinement step from the inside (ids, capabilities, no_new_privs, seccomp, rlimits,
descriptors, cgroup, session, working directory), and the reports must be equal, and right.
"""

from __future__ import annotations

import math
import os
import re
import stat
import struct
import subprocess
from pathlib import Path

import pytest
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.engine.sandbox import launcher_build
from xcoder_judge.engine.sandbox.run_types import Proc, ProcLimits, RunRequest
from xcoder_judge.engine.sandbox.sandbox import Sandbox
from xcoder_judge.engine.sandbox.slot import default_python
from xcoder_wire.schemas import Limits, Submission, Verdict

UID_BASE = {"c": 64400, "python": 64500}  # away from the suite's and the benchmarks' blocks
PATHS = ("c", "python")

PROBE_C = r"""
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void dump(const char *path, const char *const *keys) {
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f) { printf("cannot open %s\n", path); return; }
    while (fgets(line, sizeof line, f))
        for (const char *const *k = keys; *k; k++)
            if (!strncmp(line, *k, strlen(*k))) fputs(line, stdout);
    fclose(f);
}
int main(void) {
    static const char *const status[] = {"Uid:", "Gid:", "Groups:", "Cap", "NoNewPrivs:", "Seccomp:", 0};
    static const char *const all[] = {"", 0};
    dump("/proc/self/status", status);
    dump("/proc/self/limits", all);
    dump("/proc/self/cgroup", all);
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    printf("fds:");
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) printf(" %s", e->d_name);
    printf("\n");
    char cwd[256];
    printf("session leader: %d, group leader: %d\n", getsid(0) == getpid(), getpgid(0) == getpid());
    printf("cwd: %s\n", getcwd(cwd, sizeof cwd));
    return 0;
}
"""


def _engine(root: Path, path: str) -> Engine:
    settings = Settings(
        slots=1,
        cache_dir=root / "cache",
        work_dir=root / f"work-{path}",
        sandbox_uid=UID_BASE[path],
        launcher=path,
        self_test=False,
        pch=False,
    )
    engine = Engine(settings)
    engine.start()
    return engine


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("launcher")
    os.chmod(root, 0o755)
    started = {}
    try:
        for path in PATHS:
            started[path] = _engine(root, path)
        yield started
    finally:
        for engine in started.values():
            engine.close()


def probe(engine: Engine, limits: Limits) -> dict[str, str]:
    r = engine.judge(
        Submission(language="c", source=PROBE_C, tests=[{"input": ""}], limits=limits, output="all")
    )
    assert r.verdict == Verdict.AC, r
    fields = {}
    for line in r.tests[0].stdout.splitlines():
        key, sep, value = line.partition(":") if not line.startswith("Max ") else (line[:26], ":", line[26:])
        if sep:
            fields[key.strip()] = " ".join(value.split())
    return fields


def test_each_path_is_the_one_configured(engines) -> None:
    assert [s.launcher for s in engines["c"].sandbox.pool.slots] == [True]
    assert [s.launcher for s in engines["python"].sandbox.pool.slots] == [False]
    assert engines["c"].sandbox.launcher is not None and engines["python"].sandbox.launcher is None
    assert not [w for w in engines["c"].capabilities().warnings if "launcher" in w]


def test_every_confinement_step_is_in_effect_in_both_paths(engines) -> None:
    limits = Limits(time_s=1.5, memory_mb=300, stack_mb=64, file_size_mb=3, open_files=77, processes=9)
    seen = {}
    for path, engine in engines.items():
        f = probe(engine, limits)
        uid = str(UID_BASE[path])
        assert f["Uid"] == f"{uid} {uid} {uid} {uid}", path
        assert f["Gid"] == f"{uid} {uid} {uid} {uid}", path
        assert f["Groups"] == "", path
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(f[cap], 16) == 0, (path, cap)
        assert f["NoNewPrivs"] == "1" and f["Seccomp"] == "2", path
        cpu = math.ceil(limits.time_s) + 1
        assert f["Max cpu time"] == f"{cpu} {cpu + 1} seconds", path
        assert f["Max stack size"] == f"{64 << 20} {64 << 20} bytes", path
        assert f["Max file size"] == f"{3 << 20} {3 << 20} bytes", path
        assert f["Max open files"] == "77 77 files", path
        for name in ("Max core file size", "Max locked memory", "Max msgqueue size"):
            assert f[name].split()[:2] == ["0", "0"], (path, name)
        assert f["fds"] == "0 1 2", path  # nothing of the box or the forker leaks
        assert f["session leader"] == "1, group leader: 1", path
        assert f["cwd"] == "/box", path
        cgroups = [v for k, v in f.items() if re.fullmatch(r"\d+", k)]
        if engine.capabilities().cgroup != "none":
            assert any(v.endswith("/slot-0-run") or v.endswith("/slot-0/run") for v in cgroups), (
                path,
                cgroups,
            )
        else:  # without cgroups the address space and process count are rlimits
            assert f["Max processes"].split()[:2] == ["9", "9"], path
        seen[path] = {k: v.replace(uid, "UID") for k, v in f.items() if not re.fullmatch(r"\d+", k)}
    assert seen["c"] == seen["python"]


def raw_run(engine: Engine, proc: Proc) -> object:
    return engine.sandbox.run(RunRequest(runs=[[proc]])).reports[0][0]


def limits(**kw) -> ProcLimits:
    base = dict(
        cpu=2.0,
        wall=5.0,
        mem=256 << 20,
        stack=8 << 20,
        fsize=1 << 20,
        nofile=64,
        nproc=16,
        output=1 << 20,
        stdout_keep=1 << 20,
        stderr_keep=1 << 20,
    )
    base.update(kw)
    return ProcLimits(**base)


def test_extra_descriptors_are_wired_and_nothing_else_is_open(engines) -> None:
    """stdin absent means /dev/null; fds_in and the result pipe land on their numbers."""
    script = 'read x <&5; echo "fd5=$x"; echo verdict >&4; ls /proc/self/fd | sort -n | tr "\\n" " "; cat'
    for path, engine in engines.items():
        proc = Proc(limits=limits(), argv=["/bin/sh", "-c", script], fds_in={5: b"hello\n"}, result_fd=4)
        rep = raw_run(engine, proc)
        assert rep.setup_error is None and rep.exit_code == 0, (path, rep)
        lines = rep.stdout.decode().split("\n")
        assert lines[0] == "fd5=hello", path
        # 0-2, the result pipe, fd 5, and 3: the directory ls reads /proc/self/fd through
        assert lines[1].split() == ["0", "1", "2", "3", "4", "5"], (path, lines[1])
        assert rep.result == b"verdict\n", path


def test_a_program_that_cannot_be_executed_is_a_setup_error_not_a_verdict(engines) -> None:
    for path, engine in engines.items():
        rep = raw_run(engine, Proc(limits=limits(), argv=["/box/no-such-program"]))
        assert rep.exit_code == 127 and rep.setup_error, (path, rep)
        assert "[Errno 2]" in rep.setup_error and "/box/no-such-program" in rep.setup_error, (path, rep)


def test_the_build_is_cached_per_source_and_compiler(tmp_path) -> None:
    first = launcher_build.build(tmp_path)
    assert first.stat().st_mode & stat.S_IXUSR
    mtime = first.stat().st_mtime_ns
    assert launcher_build.build(tmp_path) == first and first.stat().st_mtime_ns == mtime
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary file left
    assert not has_interpreter(first.read_bytes())  # static: nothing to map from the box's root


def has_interpreter(elf: bytes) -> bool:
    """Whether a 64-bit little-endian ELF file names a dynamic loader (a PT_INTERP header)."""
    assert elf[:6] == b"\x7fELF\x02\x01"
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    return any(struct.unpack_from("<I", elf, phoff + i * phentsize)[0] == 3 for i in range(phnum))


def test_bad_options_are_refused_with_a_reason(tmp_path) -> None:
    """The launcher's own argument check; it is run directly (it is ours, not submitted code)."""
    exe = launcher_build.build(tmp_path)
    r_fd, w_fd = os.pipe()
    try:
        rc = subprocess.run(
            [str(exe), "-e", str(w_fd), "-q", "1", "--", "/bin/true"], pass_fds=(w_fd,)
        ).returncode
        os.close(w_fd)
        w_fd = -1
        assert rc == 127
        assert (
            os.read(r_fd, 4096).decode()
            == "OSError: [Errno 22] Invalid argument: xcoder-launch: bad option -q"
        )
    finally:
        os.close(r_fd)
        if w_fd >= 0:
            os.close(w_fd)


def test_without_a_compiler_auto_warns_once_and_c_refuses_to_start(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no cc anywhere
    for mode in ("auto", "c"):
        settings = Settings(
            slots=1,
            cache_dir=tmp_path / "cache",
            work_dir=tmp_path / f"w-{mode}",
            sandbox_uid=64600,
            launcher=mode,
        )
        sandbox = Sandbox(
            settings,
            python=default_python(),
            preload=[],
            bind_paths=[],
            artifacts_dir=tmp_path / "artifacts",
            pch_dir=tmp_path / "pch",
        )
        if mode == "c":
            with pytest.raises(launcher_build.LauncherUnavailable, match="no C compiler"):
                sandbox.start()
            continue
        try:
            sandbox.start()
            assert sandbox.launcher is None
            assert [s.launcher for s in sandbox.pool.slots] == [False]
            assert len([w for w in sandbox.warnings if "C launcher unavailable" in w]) == 1
        finally:
            sandbox.close()
