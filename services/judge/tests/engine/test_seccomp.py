"""The seccomp filter, loaded into a throwaway child of the test (our own code, no submission)."""

from __future__ import annotations

import ctypes
import errno
import os
import socket

import pytest
from xcoder_judge.engine.sandbox.seccomp import build_filter

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def in_filtered_child(probe) -> int:
    """Run `probe()` (returns an errno or 0) in a forked child under the filter."""
    bpf = build_filter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            buf = ctypes.create_string_buffer(bpf, len(bpf))
            prog = _Fprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
            assert libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            assert libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0
            os.write(w, str(probe()).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    out = os.read(r, 64)
    os.close(r)
    return int(out)


def _errno_of(fn) -> int:
    try:
        fn()
    except OSError as e:
        return e.errno
    return 0


def _libc_errno(call) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return 0 if call(libc) == 0 else ctypes.get_errno()


def test_filter_is_a_whole_number_of_bpf_instructions() -> None:
    bpf = build_filter()
    assert bpf and len(bpf) % 8 == 0


def test_only_unix_sockets() -> None:
    assert in_filtered_child(lambda: _errno_of(lambda: socket.socket(socket.AF_INET))) == errno.EAFNOSUPPORT
    assert in_filtered_child(lambda: _errno_of(lambda: socket.socket(socket.AF_INET6))) == errno.EAFNOSUPPORT
    assert in_filtered_child(lambda: _errno_of(lambda: socket.socket(socket.AF_PACKET))) == errno.EAFNOSUPPORT
    assert in_filtered_child(lambda: _errno_of(lambda: socket.socketpair(socket.AF_UNIX).__iter__())) == 0


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("unshare", lambda libc: libc.unshare(0x40000000)),
        ("unshare CLONE_NEWUSER", lambda libc: libc.unshare(0x10000000)),  # the worker's profile allows it
        ("mount", lambda libc: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
        ("ptrace", lambda libc: libc.ptrace(16, 1, 0, 0)),
        ("keyctl", lambda libc: libc.syscall(250, 0, 0, 0, 0)),
        ("bpf", lambda libc: libc.syscall(321, 0, 0, 0)),
        ("personality ADDR_NO_RANDOMIZE", lambda libc: libc.personality(0x0040000) * 0 - 1),
    ],
)
def test_dangerous_calls_are_refused(name: str, call) -> None:
    assert in_filtered_child(lambda: _libc_errno(call)) == errno.EPERM, name


def test_personality_query_and_plain_linux_are_allowed() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.personality.restype = ctypes.c_int
    assert in_filtered_child(lambda: 0 if libc.personality(0xFFFFFFFF) >= 0 else ctypes.get_errno()) == 0
    assert in_filtered_child(lambda: 0 if libc.personality(0) >= 0 else ctypes.get_errno()) == 0
    assert (
        in_filtered_child(lambda: 0 if libc.personality(0x80040000) >= 0 else ctypes.get_errno())
        == errno.EPERM
    )


def test_namespace_clone_flags_are_refused_and_clone3_falls_back() -> None:
    assert (
        in_filtered_child(lambda: _libc_errno(lambda libc: libc.syscall(56, 0x40000000 | 17, 0, 0, 0, 0)))
        == errno.EPERM
    )
    assert (
        in_filtered_child(lambda: _libc_errno(lambda libc: libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)))
        == errno.EPERM
    )
    assert in_filtered_child(lambda: _libc_errno(lambda libc: libc.syscall(435, 0, 0))) == errno.ENOSYS

    # a plain fork still works under the filter
    def fork_ok() -> int:
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        return 0 if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 else 1

    assert in_filtered_child(fork_ok) == 0
