"""Becoming the program: the steps a freshly forked child takes, in order (isolate's box_inside).

Runs in the child the forker has just forked, before the program runs (stdlib only, Python
3.8: it runs under the solution interpreter). It may touch only this process: its cgroup,
rlimits, descriptors, mount namespace, session, uid and seccomp filter. Everything it needs
was computed before the fork (`Plan`), because every page the child touches costs a
copy-on-write fault. The order matters: the uid is dropped after the last privileged step
(cgroup, mounts) and seccomp is loaded last, so the filter need not allow the set-up calls.
"""

import ctypes
import os
import resource
import signal

from box_os import (
    CLONE_NEWNS,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_SECCOMP,
    SECCOMP_MODE_FILTER,
    _check,
    capset_inheritable,
    close_other_fds,
    hide_mount,
    libc,
)

EXEC_DEFAULT_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT)  # as a shell would start it


class Launch:
    """Returned (never raised) up the stack of a forked child that is to become warm Python.

    Returning instead of raising leaves no traceback or exception context behind and is
    cheaper: every page the child touches before the program runs costs a copy-on-write fault.
    """

    def __init__(self, mode, path, harness, prepared, compile_as=None, recursion_counter=None):
        self.compile_as = compile_as
        self.recursion_counter = recursion_counter
        self.mode = mode
        self.path = path
        self.harness = harness
        self.prepared = prepared


class Plan:
    """Everything one child needs to become its program, computed by the forker before fork."""

    __slots__ = (
        "box_dir",
        "cg",
        "dup",
        "env",
        "err_w",
        "exec",
        "fprog",
        "hide",
        "inherited_caps",
        "keep",
        "launch",
        "rlimits",
        "uid",
    )

    def __init__(self, cg, rlimits, dup, keep, hide, box_dir, uid, fprog, err_w):
        self.cg = cg
        self.rlimits = rlimits  # [(resource, soft, hard)]
        self.dup = dup  # [(fd, target)]
        self.keep = keep  # descriptors that survive close_other_fds
        self.hide = hide  # mount points to take away (box_fs.hidden_from)
        self.box_dir = box_dir
        self.uid = uid
        self.fprog = fprog  # the seccomp filter (box_os.SockFprog) or None
        self.err_w = err_w  # the set-up error pipe; close-on-exec
        self.exec = None  # (path, argv, env) of a program to execve, or
        self.launch = None  # the Launch of a warm Python program
        self.env = None  # and the environment it adds
        self.inherited_caps = False  # the forker holds inheritable capabilities (launcher.CAPS)


def become(plan):
    """Confine this process step by step, then execve the program or return its Launch."""
    join_cgroup(plan.cg)
    set_rlimits(plan.rlimits)
    wire_fds(plan.dup)
    close_other_fds(plan.keep)
    hide_mounts(plan.hide)
    os.chdir(plan.box_dir)
    os.setsid()  # its own session and process group: killpg reaches all it starts
    drop_uid(plan.uid, plan.inherited_caps)
    set_no_new_privs()
    load_seccomp(plan.fprog)
    if plan.exec is not None:
        exec_program(*plan.exec)
    os.close(plan.err_w)
    if plan.env:
        os.environ.update(plan.env)
    return plan.launch


def join_cgroup(cg):
    """Move into the run's cgroup first: its memory and pids limits then cover all that follows."""
    if cg is not None:
        cg.join()


def set_rlimits(rlimits):
    setrlimit = resource.setrlimit
    for res, soft, hard in rlimits:
        setrlimit(res, (soft, hard))


def wire_fds(dup):
    """Put stdin, stdout, stderr and the extra descriptors in place; no stdin means /dev/null."""
    for fd, target in dup:
        os.dup2(fd, target)
    if not any(t == 0 for _, t in dup):
        fd = os.open("/dev/null", os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)


def hide_mounts(mount_points):
    """A mount namespace of this process's own without the given mount points (box_os.hide_mount)."""
    if not mount_points:
        return
    _check(libc.unshare(CLONE_NEWNS), "unshare")
    for mount_point in mount_points:
        hide_mount(mount_point)


def drop_uid(uid, inherited_caps=False):
    """No supplementary groups, then gid and uid: real, effective and saved alike.

    The uid change empties the permitted and effective capability sets, not the inheritable
    one, which the forker fills for the C launcher (launcher.py): that is emptied too.
    """
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if inherited_caps:
            capset_inheritable(())


def set_no_new_privs():
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def load_seccomp(fprog):
    if fprog is not None:
        _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


def exec_program(path, argv, env):
    for sig in EXEC_DEFAULT_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    os.execve(path, argv, env)
