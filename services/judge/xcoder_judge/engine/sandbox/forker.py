"""The forker: the one process of a slot that forks test processes, and the box's link to it.

Forking write-protects every page of the forking process, and each later write to one costs a
page fault (a copy while the child lives). The box, which does all the per-run bookkeeping,
therefore never forks after set-up: a small forker process, forked from it once, starts the
test processes on request, reaps them, reports how they ended and sweeps up what a run left.

`Forker` runs in the forker process: it may fork, kill and reap the run's processes, nothing
else (no capabilities in its bounding set, no socket to the worker). `ForkerLink` runs in the
box process: the box's end of their socket. Stdlib only, Python 3.8 (the solution
interpreter runs it). Messages are JSON datagrams on a SOCK_SEQPACKET pair; descriptors for a
new process travel with its request.
"""

import errno
import json
import os
import select
import signal
import socket
import time

import confine
import pyrunner
from box_os import (
    PR_SET_CHILD_SUBREAPER,
    PR_SET_PDEATHSIG,
    close_all,
    drop_capability_bounding_set,
    prctl,
    rlimit_pairs,
)

SETUP_FAILED = 127  # exit status of a child whose set-up failed (the reason goes to the error pipe)
SWEEP_ROUNDS = 2000  # kill-and-reap rounds (0.2 ms apart) before a run is declared unkillable
MAX_FDS = 64


def log(message):
    """One line on the box's stderr (the worker's), as box.log writes it."""
    try:
        os.write(2, ("xcoder forker %d: %s\n" % (os.getpid(), message)).encode())
    except OSError:
        pass


def spawn(box):
    """Fork the forker. In the box: a ForkerLink. In the forker: what its loop returns."""
    box_end, forker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid:
        forker_end.close()
        return ForkerLink(box_end, pid)
    box_end.close()
    os.close(box.sock.detach())  # the worker must see EOF when the box goes away
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a run come here, not to the box
    drop_capability_bounding_set()
    return Forker(box, forker_end).loop()


class ForkerLink:
    """In the box: start processes through the forker, collect how they ended, ask for sweeps."""

    def __init__(self, sock, pid):
        self.sock = sock
        self.pid = pid
        self.pending_exits = {}  # pid -> exit message that came while waiting for something else

    def fileno(self):
        return self.sock.fileno()

    def message(self):
        msg = self.sock.recv(1 << 16)
        if not msg:
            raise OSError(errno.EPIPE, "the forker died")
        return json.loads(msg)

    def start(self, req, fds):
        """Have the forker start one process; return its pid."""
        socket.send_fds(self.sock, [json.dumps(req).encode()], fds)
        while True:
            msg = self.message()
            if "started" in msg:
                return msg["started"]
            self.pending_exits[msg["exited"]] = msg  # a process started earlier already ended

    def sweep(self, pids):
        """Have the forker kill and reap everything left of the run; return its CPU seconds."""
        self.sock.send(json.dumps({"op": "sweep", "pids": pids}).encode())
        while True:
            msg = self.message()
            if "swept" in msg:
                if msg["swept"] is None:
                    raise OSError(errno.EBUSY, "processes of the run survive SIGKILL")
                return msg["swept"]
            self.pending_exits[msg["exited"]] = msg

    def wait_exits(self, pids, timeout):
        """Wait (up to `timeout` s) until the forker has reported every one of `pids` ended."""
        waiting = set(pids) - set(self.pending_exits)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            if select.select([self.sock], [], [], 0.1)[0]:
                waiting.discard(self.message().get("exited"))
        for pid in pids:
            self.pending_exits.pop(pid, None)


class Forker:
    """In the forker process: start processes on request, reap them, report how they ended."""

    def __init__(self, box, sock):
        self.box = box  # the forker's copy of the box, as it was at set-up
        self.sock = sock

    def loop(self):
        sock = self.sock
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        children = {}  # pidfd -> pid
        while True:
            for fd, _ in poller.poll():
                if fd != sock.fileno():
                    pid = children.pop(fd)
                    poller.unregister(fd)
                    os.close(fd)
                    sock.send(json.dumps(self.reap(pid)).encode())
                    continue
                try:
                    msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, MAX_FDS)
                except OSError:
                    os._exit(1)
                if not msg:
                    os._exit(0)
                req = json.loads(msg)
                if req.get("op") == "sweep":
                    sock.send(json.dumps({"swept": self.sweep(req["pids"])}).encode())
                    continue
                for fd in fds:  # socket.recv_fds ignores MSG_CMSG_CLOEXEC; nothing may leak past execve
                    os.set_inheritable(fd, False)
                result = self.fork_one(req, fds)
                if isinstance(result, confine.Launch):
                    return result  # the new child, on its way to becoming the program
                pidfd = os.pidfd_open(result)
                poller.register(pidfd, select.POLLIN)
                children[pidfd] = result
                sock.send(json.dumps({"started": result}).encode())

    @staticmethod
    def reap(pid):
        _, status, ru = os.wait4(pid, 0)
        return {"exited": pid, "status": status, "cpu": ru.ru_utime + ru.ru_stime, "maxrss": ru.ru_maxrss}

    def sweep(self, pids):
        """Kill everything left of the run and reap it; return its CPU seconds (None: it survives).

        Every process of a run descends from the forker, which is their subreaper, so when it
        has no children left nothing of the run is left. In the slot's PID namespace kill(-1)
        reaches everyone but the box (PID 1) and the forker itself.
        """
        cpu = 0.0
        for _ in range(SWEEP_ROUNDS):
            if self.box.in_pidns:
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            else:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            while True:
                try:
                    pid, _, ru = os.wait4(-1, os.WNOHANG)
                except ChildProcessError:
                    return cpu
                if pid == 0:
                    break
                cpu += ru.ru_utime + ru.ru_stime
            time.sleep(0.0002)
        return None  # something survives SIGKILL (no CAP_KILL?): the box must not be reused

    def plan(self, req, fds):
        """What the child will do, computed before the fork (see confine.Plan)."""
        box = self.box
        spec = req["spec"]
        targets = req["targets"]
        err_w = fds[-1]
        cg = box.cgroups.get(req["cgroup"]) if req["cgroup"] else None
        plan = confine.Plan(
            cg=cg,
            rlimits=rlimit_pairs(spec["limits"], cg is not None, box.vm_base if spec["kind"] == "py" else 0),
            dup=list(zip(fds[:-1], targets)),
            keep=sorted({err_w, 0, 1, 2} | set(targets)),
            hide=req["hide"],
            box_dir=box.fs.box_dir,
            uid=box.uids[spec.get("uid", "main")],
            fprog=box.fprog,
            err_w=err_w,
        )
        plan.inherited_caps = box.launcher is not None and box.launcher.caps_granted
        if spec["kind"] == "exec":
            env = dict(box.env)
            env.update(spec.get("env", {}))
            plan.exec = (spec["argv"][0], spec["argv"], env)
            return plan
        prepared = None
        if spec["mode"] != "tester" and (spec["mode"] == "script" or spec.get("harness")):
            module = "solution" if spec.get("harness") == "call" else "__main__"
            prepared = pyrunner.prepare(spec["path"], module, spec.get("args", []))
        plan.launch = confine.Launch(
            spec["mode"],
            spec["path"],
            spec.get("harness"),
            prepared,
            spec.get("compile_as"),
            box.recursion_counter,
        )
        plan.env = spec.get("env", {})
        return plan

    def fork_one(self, req, fds):
        """Start one process, the forker returns its pid: an exec-kind program through the C
        launcher where there is one, anything else a forked child that confines itself
        (confine.become)."""
        plan = self.plan(req, fds)
        if plan.exec is not None and self.box.launcher is not None:
            try:
                pid = self.box.launcher.spawn(plan)
            except OSError as e:  # the launcher cannot be executed here: never try it again
                log("the C launcher failed (%s); exec-kind programs start through Python now" % e)
                self.box.launcher.disable()
                self.box.launcher = None
                plan.inherited_caps = False
            else:
                close_all(fds)
                return pid
        pid = os.fork()
        if pid == 0:
            try:
                self.sock.detach()  # the socket object must not close a descriptor the program reuses
                return confine.become(plan)
            except BaseException as e:
                try:
                    os.write(plan.err_w, ("%s: %s" % (type(e).__name__, e)).encode()[:4000])
                finally:
                    os._exit(SETUP_FAILED)
        close_all(fds)
        return pid
