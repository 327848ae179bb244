"""One known process state for every box, whatever started the judge.

A box and everything it forks inherit the judge's process attributes: signal dispositions and
mask, rlimits, umask, nice value and scheduling policy, CPU affinity, personality, timer slack.
A judge started by nohup, a supervisor, a container's init or a developer's terminal would
otherwise hand each of those to the programs it runs, and the same submission would behave
differently depending on how the judge was launched. `normalise()` runs first thing in every
box, before any run or warm interpreter exists, and puts each attribute where a fresh
`python3 solution.py` under default conditions would find it (docs/judge-engine.md lists them).
The environment needs nothing here: a box gets a fixed one (layout.PROGRAM_ENV).

The engine calls `standard_streams()` too, before it opens anything. Stdlib only, Python 3.8
compatible: the box imports it under the interpreter that runs solutions.
"""

import ctypes
import os
import resource
import signal

UMASK = 0o022
NICE = 0
PER_LINUX = 0  # personality(2): no ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...
PR_SET_TIMERSLACK = 29  # value 0: the default slack of the kernel
INF = resource.RLIM_INFINITY

# The rlimits a box starts from (soft, hard). A run then lowers CPU, STACK, FSIZE, NOFILE, CORE,
# MEMLOCK, MSGQUEUE (and AS, NPROC without cgroups) to its own limits; the rest stay as here.
# Fixed values, not the launcher's, nor ones the kernel sizes from the machine's RAM, and low
# enough that a judge without CAP_SYS_RESOURCE (a container's root) can usually set them.
# STACK's soft limit is left alone: launch_state.raise_stack_limit re-executes the box with it
# raised to this hard limit, so the memory layout matches (see there).
RLIMITS = {
    "RLIMIT_AS": (INF, INF),
    "RLIMIT_CORE": (0, 0),
    "RLIMIT_CPU": (INF, INF),
    "RLIMIT_DATA": (INF, INF),
    "RLIMIT_FSIZE": (INF, INF),
    "RLIMIT_LOCKS": (INF, INF),
    "RLIMIT_MEMLOCK": (8 << 20, 8 << 20),
    "RLIMIT_MSGQUEUE": (819200, 819200),
    "RLIMIT_NICE": (0, 0),
    "RLIMIT_NOFILE": (4096, 4096),  # = the wire's MAX_OPEN_FILES, the most a run may ask for
    "RLIMIT_NPROC": (1 << 14, 1 << 14),  # per uid, and each slot has its own
    "RLIMIT_RSS": (INF, INF),
    "RLIMIT_RTPRIO": (0, 0),
    "RLIMIT_RTTIME": (INF, INF),
    "RLIMIT_SIGPENDING": (1 << 15, 1 << 15),
    "RLIMIT_STACK": (None, INF),
}

# What CPython itself installs at start-up (Python/pylifecycle.c, Modules/signalmodule.c) when
# it finds every disposition at its default: everything else stays SIG_DFL.
CPYTHON_IGNORES = ("SIGPIPE", "SIGXFSZ")


def _lt(a, b):
    """a < b for rlimit values, where RLIM_INFINITY is the largest."""
    if a == b:
        return False
    if a == INF:
        return False
    return b == INF or a < b


def _signals(warnings):
    """Default dispositions, then CPython's own, then an empty mask.

    A signal pending from the launcher (sent while it was blocked there) is discarded first:
    setting a pending signal to SIG_IGN drops it, so unblocking cannot deliver it to the box.
    """
    sigs = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]
    for s in signal.sigpending():
        signal.signal(s, signal.SIG_IGN)
    for s in sigs:
        try:
            signal.signal(s, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):  # a signal the C library keeps for itself
            pass
    for name in CPYTHON_IGNORES:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    left = sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))
    if left:
        warnings.append("signals still blocked: %s" % left)


def _rlimits(warnings):
    for name, (soft, hard) in sorted(RLIMITS.items()):
        res = getattr(resource, name, None)
        if res is None:
            continue
        cur_soft, cur_hard = resource.getrlimit(res)
        if soft is None:
            soft = cur_soft
        try:
            resource.setrlimit(res, (soft, hard))
            continue
        except (OSError, ValueError):
            pass
        # Raising a hard limit takes CAP_SYS_RESOURCE: keep the launcher's, and say so.
        warnings.append("%s: hard limit %s is below %s and cannot be raised" % (name, cur_hard, hard))
        try:
            resource.setrlimit(res, (cur_hard if _lt(cur_hard, soft) else soft, cur_hard))
        except (OSError, ValueError) as e:
            warnings.append("%s: %s" % (name, e))


def _scheduling(warnings):
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except OSError as e:
        warnings.append("scheduling policy: %s" % e)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except OSError as e:
        warnings.append("nice %d: %s (now %d)" % (NICE, e, os.getpriority(os.PRIO_PROCESS, 0)))
    # Every CPU this machine has; the kernel narrows it to what the judge's cpuset allows.
    try:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) | os.sched_getaffinity(0))
    except OSError as e:
        warnings.append("CPU affinity: %s" % e)


def _kernel(warnings):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.personality.argtypes = [ctypes.c_ulong]
    if libc.personality(PER_LINUX) == -1:
        warnings.append("personality: %s" % os.strerror(ctypes.get_errno()))
    if libc.prctl(PR_SET_TIMERSLACK, ctypes.c_ulong(0), 0, 0, 0) != 0:
        warnings.append("timer slack: %s" % os.strerror(ctypes.get_errno()))


def normalise():
    """Put this (single-threaded) process in the documented start state; return warnings.

    Idempotent: the box calls it again after re-executing itself.
    """
    warnings = []
    standard_streams()
    _signals(warnings)
    _rlimits(warnings)
    os.umask(UMASK)
    _scheduling(warnings)
    _kernel(warnings)
    return warnings


def standard_streams():
    """Open /dev/null on any of fds 0-2 this process was started without.

    Otherwise the next descriptor opened takes that number: in the judge, a box's stderr would
    be whatever that is, or nothing (Python opens descriptors close-on-exec); in a box, a pipe
    of a run would sit where a child expects its stdio.
    """
    # open() takes the lowest free number, so this fills the gaps without dup2 (which fails
    # with EBUSY while another thread's open() is taking that very number).
    while True:
        fd = os.open(os.devnull, os.O_RDWR)
        if fd > 2:
            os.close(fd)
            return
        os.set_inheritable(fd, True)


def raise_stack_limit():
    """Re-exec once with an unlimited stack rlimit so children can grow stacks to their limit.

    The kernel places the mmap area below the stack according to the stack rlimit at exec
    time; a warm child inherits that layout, so the box must be started with a large one.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY or os.environ.get("XCODER_BOX_REEXEC"):
        os.environ.pop("XCODER_BOX_REEXEC", None)
        return
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))
    except (ValueError, OSError):
        return
    os.environ["XCODER_BOX_REEXEC"] = "1"
    import sys

    os.execv(sys.executable, [sys.executable, *sys.argv])
