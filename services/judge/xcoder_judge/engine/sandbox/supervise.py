"""Watching one run from outside: its state, the limits the box enforces, the report.

Runs in the box process (stdlib only, Python 3.8: it runs under the solution interpreter).
It may read the run's output pipes and cgroup counters and SIGKILL the run's processes;
reaping is the forker's (forker.py). Nothing the program does decides its report: wall time is
the box's clock, CPU time and memory the cgroup's (or the forker's rusage without cgroups),
output size what the box read from the pipes.
"""

import errno
import math
import os
import select
import signal
import socket
import time

import protocol
from box_os import remove_sysv_objects

KILL_GRACE_S = 5.0  # a killed run must be gone by then
CPU_POLL_S = 0.02  # how often the run's CPU time is read
READ_CHUNK = 1 << 16
STREAMS = ("stdout", "stderr", "result")


class WorkerGone(Exception):
    """The worker closed its socket (it died) while a run was going on."""


class RunState:
    """One process of a run, as the box sees it from outside."""

    __slots__ = (
        "cg", "cpu", "ended", "err_r", "killed", "maxrss", "out", "pid", "pipes", "spec", "started", "status", "written",
    )  # fmt: skip

    def __init__(self, pid, spec, cg, err_r, pipes):
        self.pid = pid
        self.spec = spec
        self.cg = cg
        self.err_r = err_r  # set-up error pipe (confine's failure message)
        self.pipes = pipes  # stream -> read end, for the streams the box captures
        self.out = {s: bytearray() for s in STREAMS}  # what is kept of each stream
        self.written = {"stdout": 0, "stderr": 0}  # bytes the program wrote, kept or not
        self.started = time.monotonic()
        self.status = None  # wait status once the forker reaped it
        self.cpu = 0.0
        self.maxrss = 0
        self.killed = None  # monotonic time of the SIGKILL
        self.ended = None

    @property
    def limits(self):
        return self.spec["limits"]

    def exited(self, msg):
        """The forker reaped it."""
        self.status, self.cpu, self.maxrss, self.ended = (
            msg["status"],
            msg["cpu"],
            msg["maxrss"],
            time.monotonic(),
        )

    def take(self, stream, data):
        """Keep output up to its cap; True when the program wrote more than it may."""
        limits = self.limits
        if stream == "result":  # a call's value: as large as stdout may be, no larger
            self.out["result"] += data
            return len(self.out["result"]) > max(1 << 20, limits["output"])
        self.written[stream] += len(data)
        room = limits[stream + "_keep"] - len(self.out[stream])
        if room > 0:
            self.out[stream] += data[:room]
        return self.written[stream] > limits["output"]

    def kill(self, now):
        if self.status is None:
            for kill in (os.killpg, os.kill):
                try:
                    kill(self.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if self.killed is None:
                self.killed = now

    def close_pipes(self):
        for fd in self.pipes.values():
            os.close(fd)
        self.pipes = {}

    def report(self, killed_for):
        """The report sent to the worker (blob indices for the streams are added by the box)."""
        setup_error = os.read(self.err_r, 8192)
        os.close(self.err_r)
        status, cg = self.status, self.cg
        cpu = cg.cpu() if cg is not None else self.cpu
        ended = self.ended or time.monotonic()
        if killed_for is None and cpu > self.limits["cpu"]:
            killed_for = protocol.KILLED_CPU
        return {
            "exit_code": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
            "cpu_s": round(cpu, 6),
            "wall_s": round(ended - self.started, 6),
            "ended": ended,  # monotonic: which process of a run ended first (interactive verdicts)
            "mem_kb": (cg.peak_bytes() // 1024) if cg is not None else self.maxrss,
            "oom": bool(cg is not None and cg.oom_kills() > 0),
            "stdout_len": self.written["stdout"],
            "stderr_len": self.written["stderr"],
            "killed_for": killed_for,
            "setup_error": setup_error.decode("utf-8", "replace") if setup_error else None,
        }


class Supervision:
    """Wait for the run's processes, enforcing wall time, CPU time and output size from outside.

    One poll loop over the forker's socket (exits), the output pipes and the worker's socket
    (its EOF means the worker died: the run is abandoned, see WorkerGone).
    """

    def __init__(self, box, procs):
        self.box = box
        self.procs = procs
        self.forker = box.forker
        self.poller = select.poll()
        self.owner = {}  # fd -> (RunState, stream)
        self.running = {p.pid: p for p in procs}
        self.reason = None  # protocol.KILLED_* once the run was killed
        self.deadline = min(p.started + p.limits["wall"] for p in procs)
        self.next_cpu = time.monotonic() + CPU_POLL_S

    def run(self):
        """Supervise to the end; return one report per process. Closes the pipes it was given."""
        self._register()
        for pid in list(self.running):
            if pid in self.forker.pending_exits:
                self.running.pop(pid).exited(self.forker.pending_exits.pop(pid))
        leftovers_killed = False
        while self.owner or self.running:
            for fd, _ in self.poller.poll(self._timeout_ms()):
                self._ready(fd)
            now = time.monotonic()
            if self.running:
                self._enforce(now)
            elif not leftovers_killed:
                leftovers_killed = True
                extra = kill_leftovers(self.box)
                for p in self.procs:
                    p.cpu += extra
        reports = []
        for p in self.procs:
            p.close_pipes()
            reports.append(p.report(self.reason))
        return reports

    def _register(self):
        self.poller.register(self.forker.fileno(), select.POLLIN)
        self.poller.register(self.box.sock.fileno(), select.POLLIN)
        for p in self.procs:
            for stream, fd in p.pipes.items():
                self.poller.register(fd, select.POLLIN)
                self.owner[fd] = (p, stream)

    def _timeout_ms(self):
        if not self.running:
            return 1000
        wait = min(self.deadline, self.next_cpu) - time.monotonic()
        return max(0, math.ceil(wait * 1000))

    def _ready(self, fd):
        if fd == self.forker.fileno():
            msg = self.forker.message()
            p = self.running.pop(msg["exited"], None)
            if p is not None:
                p.exited(msg)
        elif fd == self.box.sock.fileno():
            self._worker_readable()
        else:
            p, stream = self.owner[fd]
            data = os.read(fd, READ_CHUNK)
            if not data:
                self.poller.unregister(fd)
                del self.owner[fd]
            elif p.take(stream, data) and self.reason is None:
                self._kill(protocol.KILLED_FOR_OUTPUT[stream])

    def _worker_readable(self):
        """The worker sends nothing during a run: readable means it went away (or broke the protocol)."""
        try:
            peek = self.box.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            peek = b""
        if not peek:
            abort(self.box, self.procs)
            raise WorkerGone("the worker closed the connection during a run")
        self.poller.unregister(self.box.sock.fileno())  # read after the run, as a protocol error

    def _enforce(self, now):
        if self.reason is not None:
            killed_at = min(p.killed or now for p in self.procs)
            if now - killed_at > KILL_GRACE_S:  # e.g. no CAP_KILL: never reuse such a box
                raise OSError(errno.EBUSY, "processes of the run survive SIGKILL")
        elif now >= self.deadline:
            self._kill(protocol.KILLED_WALL)
        elif now >= self.next_cpu:
            self.next_cpu = now + CPU_POLL_S
            for p in self.running.values():
                if p.cg is not None and p.cg.cpu() > p.limits["cpu"]:
                    self._kill(protocol.KILLED_CPU)
                    break

    def _kill(self, reason):
        self.reason = reason
        kill_run(self.box, self.procs)


def kill_run(box, procs):
    """SIGKILL the run's processes and everything they started; reaping comes later.

    The forker reaps the main processes (that is how their status arrives); orphans are
    the box's (it is PID 1) and are reaped once no main process is running.
    """
    now = time.monotonic()
    for p in procs:
        p.kill(now)
    for pid in run_pids(box):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_pids(box):
    """Every process of the run: the used cgroups' members, or (no cgroups) all but box and forker."""
    pids = set()
    if box.cgroups:
        for cg in box.used_cgroups:
            pids.update(cg.members())
    elif box.in_pidns:
        pids.update(int(name) for name in os.listdir("/proc") if name.isdigit())
    pids.difference_update((1, box.forker.pid) if box.in_pidns else (os.getpid(), box.forker.pid))
    return pids


def kill_leftovers(box):
    """Have the forker kill and reap everything left of the run; return its CPU seconds."""
    cpu = box.forker.sweep([] if box.in_pidns else sorted(run_pids(box)))
    if box.fs.isolated:
        remove_sysv_objects()  # the box's own IPC namespace: nothing for the next run
    return cpu


def abort(box, started):
    """A run that failed half-way: kill what started and wait for the forker to reap it."""
    kill_run(box, started)
    box.forker.wait_exits([p.pid for p in started], 10)
    kill_leftovers(box)
