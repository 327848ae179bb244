"""The seccomp filter every sandboxed process runs under, compiled once to BPF with libseccomp.

Allow by default, deny what a judged program never needs and a sandbox escape often does.
The box loads the BPF bytes in each child (no_new_privs first), so no per-run compilation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import socket
from functools import lru_cache

# Denied with EPERM: debugging other processes, namespaces and mounts, kernel interfaces that
# have been privilege-escalation vectors, and anything that changes the machine.
DENY_EPERM = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "vhangup",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "fanotify_init",
    "move_pages",
    "migrate_pages",
    "uselib",
    "nfsservctl",
)

# Denied with ENOSYS so runtimes fall back quietly: clone3 passes its flags in memory that a
# filter cannot inspect (glibc then uses clone, whose flags we can), io_uring is a large surface.
DENY_ENOSYS = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")

# personality() flags that weaken memory protection. The query value 0xffffffff has every bit
# set, so a flag is refused only when bit 31 is clear; values with bit 31 set other than the
# query are refused separately (the kernel would store them, flags included).
PERSONALITY_FLAGS = (
    0x0040000,  # ADDR_NO_RANDOMIZE
    0x0100000,  # MMAP_PAGE_ZERO
    0x0200000,  # ADDR_COMPAT_LAYOUT
    0x0400000,  # READ_IMPLIES_EXEC
    0x0800000,  # ADDR_LIMIT_32BIT
    0x8000000,  # ADDR_LIMIT_3GB
)
PERSONALITY_QUERY_BIT = 0x80000000

# clone() flags that create namespaces.
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x00000080,  # CLONE_NEWTIME
)

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO_BASE = 0x00050000
SCMP_CMP_NE = 1
SCMP_CMP_MASKED_EQ = 7


def _errno_action(code: int) -> int:
    return SCMP_ACT_ERRNO_BASE | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


class SeccompUnavailable(RuntimeError):
    """libseccomp is missing or rejected the filter."""


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as e:
        raise SeccompUnavailable(f"libseccomp not found ({e}); install the libseccomp2 package") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def _add(lib: ctypes.CDLL, ctx: int, action: int, name: str, *cmps: tuple[int, int, int, int]) -> None:
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr < 0:  # not a syscall on this architecture (e.g. iopl on arm64)
        return
    arr = (_ArgCmp * max(1, len(cmps)))(*[_ArgCmp(*c) for c in cmps])
    rc = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
    if rc < 0:
        raise SeccompUnavailable(f"seccomp rule for {name}: {os.strerror(-rc)}")


@lru_cache(maxsize=1)
def build_filter() -> bytes:
    """BPF program (struct sock_filter array) for the native architecture; others are killed."""
    lib = _lib()
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        for name in DENY_EPERM:
            _add(lib, ctx, _errno_action(errno.EPERM), name)
        for name in DENY_ENOSYS:
            _add(lib, ctx, _errno_action(errno.ENOSYS), name)
        for flag in NAMESPACE_FLAGS:
            _add(lib, ctx, _errno_action(errno.EPERM), "clone", (0, SCMP_CMP_MASKED_EQ, flag, flag))
        # Sockets: AF_UNIX only (local pipes between a program's own processes).
        for call in ("socket", "socketpair"):
            _add(lib, ctx, _errno_action(errno.EAFNOSUPPORT), call, (0, SCMP_CMP_NE, socket.AF_UNIX, 0))
        for flag in PERSONALITY_FLAGS:
            mask = flag | PERSONALITY_QUERY_BIT
            _add(lib, ctx, _errno_action(errno.EPERM), "personality", (0, SCMP_CMP_MASKED_EQ, mask, flag))
        for bit in range(31):
            mask = PERSONALITY_QUERY_BIT | (1 << bit)
            _add(
                lib,
                ctx,
                _errno_action(errno.EPERM),
                "personality",
                (0, SCMP_CMP_MASKED_EQ, mask, PERSONALITY_QUERY_BIT),
            )
        # ioctl(TIOCSTI) pushes input into a terminal; there is none, deny it anyway.
        _add(lib, ctx, _errno_action(errno.EPERM), "ioctl", (1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, 0x5412))
        r, w = os.pipe()
        try:
            rc = lib.seccomp_export_bpf(ctx, w)
            os.close(w)
            w = -1
            if rc < 0:
                raise SeccompUnavailable(f"seccomp_export_bpf: {os.strerror(-rc)}")
            chunks = []
            while chunk := os.read(r, 65536):
                chunks.append(chunk)
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        bpf = b"".join(chunks)
        if not bpf or len(bpf) % 8:
            raise SeccompUnavailable("seccomp_export_bpf returned no program")
        return bpf
    finally:
        lib.seccomp_release(ctx)
