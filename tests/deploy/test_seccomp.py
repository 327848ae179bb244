"""docker/seccomp/judge-worker.json, the worker container's seccomp profile.

Checked three ways: its shape (the subset of the OCI / Docker profile format every runtime reads),
every syscall name against libseccomp's tables, and its behaviour: the profile is compiled with
libseccomp, as runc and crun do, loaded into a child process, and that process then tries what
the sandbox needs (must work) and what the profile forbids (must fail with the profile's errno).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import textwrap

from tests.deploy.support import REPO

PROFILE_PATH = REPO / "docker" / "seccomp" / "judge-worker.json"
SECCOMP_EXEC = REPO / "tests" / "deploy" / "seccomp_exec.py"
PROFILE = json.loads(PROFILE_PATH.read_text())
ACTIONS = {
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_LOG",
    "SCMP_ACT_TRACE",
}
OPS = {
    "SCMP_CMP_NE": 1,
    "SCMP_CMP_LT": 2,
    "SCMP_CMP_LE": 3,
    "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5,
    "SCMP_CMP_GT": 6,
    "SCMP_CMP_MASKED_EQ": 7,
}

# What the sandbox (services/judge/xcoder_judge/engine/sandbox/box.py and its siblings) and the worker call, and
# the runtimes of the judged languages rely on. None may be denied outright.
NEEDED = [
    "unshare",
    "mount",
    "umount2",
    "pivot_root",
    "sethostname",
    "chroot",
    "clone",
    "fork",
    "vfork",
    "execve",
    "setresuid",
    "setresgid",
    "setgroups",
    "prctl",
    "seccomp",
    "setrlimit",
    "prlimit64",
    "kill",
    "tgkill",
    "wait4",
    "waitid",
    "pidfd_open",
    "pidfd_send_signal",
    "memfd_create",
    "chown",
    "fchown",
    "symlink",
    "mkdir",
    "openat",
    "pipe2",
    "poll",
    "ppoll",
    "mmap",
    "munmap",
    "mprotect",
    "futex",
    "setsid",
    "close_range",
]
FORBIDDEN = [
    "kexec_load",
    "init_module",
    "finit_module",
    "bpf",
    "keyctl",
    "add_key",
    "open_by_handle_at",
    "ptrace",
    "process_vm_readv",
    "userfaultfd",
    "perf_event_open",
    "setns",
    "reboot",
    "swapon",
    "acct",
    "settimeofday",
]


def _libseccomp() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(name)
    lib.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    return lib


def test_profile_shape() -> None:
    assert set(PROFILE) == {"defaultAction", "architectures", "syscalls"}
    assert PROFILE["defaultAction"] == "SCMP_ACT_ALLOW"
    assert "SCMP_ARCH_X86_64" in PROFILE["architectures"] and "SCMP_ARCH_AARCH64" in PROFILE["architectures"]
    for rule in PROFILE["syscalls"]:
        assert set(rule) <= {"names", "action", "errnoRet", "args", "comment"}, rule
        assert rule["comment"] and rule["names"]
        assert rule["action"] in ACTIONS
        if rule["action"] == "SCMP_ACT_ERRNO":
            assert rule["errnoRet"] in (1, 38)  # EPERM, ENOSYS
        for arg in rule.get("args", []):
            assert (
                set(arg) <= {"index", "value", "valueTwo", "op"}
                and arg["op"] in OPS
                and 0 <= arg["index"] < 6
            )


def test_every_name_is_a_syscall() -> None:
    lib = _libseccomp()
    arches = {
        a: lib.seccomp_arch_resolve_name(a.removeprefix("SCMP_ARCH_").lower().encode())
        for a in PROFILE["architectures"]
    }
    assert all(arches.values()), arches
    x86_64 = arches["SCMP_ARCH_X86_64"]
    aarch64 = arches["SCMP_ARCH_AARCH64"]
    for rule in PROFILE["syscalls"]:
        for name in rule["names"]:
            on_x86 = lib.seccomp_syscall_resolve_name_arch(x86_64, name.encode()) >= 0
            on_arm = lib.seccomp_syscall_resolve_name_arch(aarch64, name.encode()) >= 0
            assert on_x86 or on_arm, f"{name} is no syscall on x86_64 or aarch64"


def test_the_sandbox_syscalls_are_not_denied() -> None:
    denied_outright = {
        n
        for r in PROFILE["syscalls"]
        if r["action"] != "SCMP_ACT_ALLOW" and not r.get("args")
        for n in r["names"]
    }
    assert not denied_outright & set(NEEDED)
    assert set(FORBIDDEN) <= denied_outright


# Probes run under the profile (loaded by seccomp_exec.py, as a runtime would): each reports 0 or the
# errno name it got.
PROBES = textwrap.dedent(
    r"""
    import ctypes, ctypes.util, errno, json, os, subprocess, threading

    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    NR = {n: lib.seccomp_syscall_resolve_name(n.encode()) for n in
          ("unshare", "keyctl", "clone3", "pivot_root", "fsopen", "io_uring_setup", "setns", "ptrace", "mount")}
    CLONE_NEWUSER, CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x10000000, 0x00020000, 16384, 1 << 18

    NR["clone"] = lib.seccomp_syscall_resolve_name(b"clone")
    CLONE_NEWIPC, SIGCHLD = 0x08000000, 17

    def call(name, *args):
        rc = libc.syscall(ctypes.c_long(NR[name]), *args)
        return "ok" if rc >= 0 else errno.errorcode[ctypes.get_errno()]

    def in_child(name, *args):
        # the call in a forked child: a new user namespace must not change the probes after it
        pid = os.fork()
        if pid == 0:
            rc = libc.syscall(ctypes.c_long(NR[name]), *args)
            os._exit(0 if rc >= 0 else ctypes.get_errno())  # a clone's own child exits 0 here too
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        return "ok" if code == 0 else errno.errorcode[code]

    out = {
        # what each box does after its set-up (box_creds.py), and the same through clone
        "unshare_newuser": in_child("unshare", ctypes.c_ulong(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC)),
        "clone_newuser": in_child("clone", ctypes.c_ulong(CLONE_NEWUSER | SIGCHLD), None, None, None, None),
        "keyctl": call("keyctl", ctypes.c_long(0)),
        "clone3": call("clone3", None, ctypes.c_size_t(0)),
        "fsopen": call("fsopen", b"tmpfs", ctypes.c_uint(0)),
        "io_uring_setup": call("io_uring_setup", ctypes.c_uint(1), None),
        "setns": call("setns", ctypes.c_int(-1), ctypes.c_int(0)),
        "ptrace": call("ptrace", ctypes.c_long(0x4206), ctypes.c_long(1)),
        # Allowed by the profile: the kernel's own answer comes back (ENOENT for a missing path).
        "pivot_root_missing": call("pivot_root", b"/nonexistent-x", b"/nonexistent-y"),
        "unshare_newns": call("unshare", ctypes.c_ulong(CLONE_NEWNS)),
    }
    out["mount_private"] = call("mount", None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None)
    seen = []
    t = threading.Thread(target=seen.append, args=(1,))  # pthread_create: clone3, then clone
    t.start(); t.join()
    out["thread"] = "ok" if seen == [1] else "failed"
    out["subprocess"] = "ok" if subprocess.run(["/bin/true"]).returncode == 0 else "failed"
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    out["fork"] = "ok" if os.waitpid(pid, 0)[1] >> 8 == 7 else "failed"
    print(json.dumps(out))
    """
)


def test_profile_behaviour_when_loaded() -> None:
    assert os.geteuid() == 0, (
        "the probes unshare and mount as root (as the worker does); run as root, like CI"
    )
    proc = subprocess.run(
        [sys.executable, SECCOMP_EXEC, PROFILE_PATH, "--", sys.executable, "-c", PROBES],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "unshare_newuser": "ok",
        "clone_newuser": "ok",
        "keyctl": "EPERM",
        "clone3": "ENOSYS",
        "fsopen": "ENOSYS",
        "io_uring_setup": "ENOSYS",
        "setns": "EPERM",
        "ptrace": "EPERM",
        "pivot_root_missing": "ENOENT",
        "unshare_newns": "ok",
        "mount_private": "ok",
        "thread": "ok",
        "subprocess": "ok",
        "fork": "ok",
    }


def test_the_probes_pass_without_the_profile() -> None:
    """Control: the denials above come from the profile, not from this machine."""
    proc = subprocess.run([sys.executable, "-c", PROBES], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["unshare_newuser"] == "ok" and out["clone_newuser"] == "ok"
    assert out["clone3"] != "ENOSYS" and out["fsopen"] != "ENOSYS"
    assert out["keyctl"] != "EPERM" and out["setns"] != "EPERM"
