"""The box: one long-lived process per sandbox slot, living in its own namespaces.

Started by the worker as `PYTHON zygote.py` with a socket on fd 3. It sets up the slot once
(namespaces, a minimal read-only root, /proc, devices), then for every run forks a child that
joins the slot's cgroup, takes its rlimits, drops to the slot's unprivileged uid, sets
no_new_privs, loads the seccomp filter and becomes the program — by execve, or, for warm
Python, by running the solution in the forked interpreter itself (it unwinds to the bottom of
this file so the solution's frame sits where a fresh interpreter would put it).

The box process measures and kills from outside the program: wall time, CPU time of the
whole cgroup, output size. When the program ends, everything else in the slot is killed.
Stdlib only, Python 3.8 compatible: it runs under the interpreter that runs solutions.
"""

import ctypes
import errno
import fnmatch
import gc
import math
import os
import platform
import resource
import select
import signal
import socket
import time

import launch_state
import protocol
import pyrunner
import pytester
from box_cgroup import Cgroup
from box_os import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUTS,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    PR_SET_SECCOMP,
    PROBE,
    SECCOMP_MODE_FILTER,
    SYS_PIVOT_ROOT,
    SockFprog,
    _b,
    _check,
    close_all,
    close_other_fds,
    drop_capability_bounding_set,
    fcntl_setpipe,
    find_recursion_counter,
    libc,
    mount,
    prctl,
    remove_sysv_objects,
    rlimit_pairs,
    scratch_state,
    scratch_untouched,
    umount,
    vm_size,
    write_work_files,
)

KILL_GRACE_S = 5.0  # a killed run must be gone by then
SETUP_FAILED = 127  # exit status of a child whose set-up failed (the reason goes to the error pipe)
READ_CHUNK = 1 << 16
ARTIFACTS_MOUNT = "/.xcoder-artifacts"  # where the worker binds the artifact store (layout.py)


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


# --------------------------------------------------------------------------- the box


class Box:
    def __init__(self, sock, cfg, seccomp_bpf):
        self.sock = sock
        self.cfg = cfg
        self.isolated = cfg["isolate"]
        self.in_pidns = False
        self.uids = cfg["uids"]  # {"main": uid, "aux": uid}
        self.env = cfg["env"]
        self.cgroups = {}
        self.tmpfs_size = cfg.get("tmpfs_mb", 256)
        self._fprog = None
        if seccomp_bpf:
            self._filter_buf = ctypes.create_string_buffer(seccomp_bpf, len(seccomp_bpf))
            self._fprog = SockFprog(len(seccomp_bpf) // 8, ctypes.cast(self._filter_buf, ctypes.c_void_p))
        self.warnings = []
        self.box_dir = "/box" if self.isolated else cfg["box_dir"]
        self.vm_base = 0
        self.used_cgroups = []
        self.scratch = {}  # mount point -> (owner, scratch_state when fresh) of the tmpfs mounted there
        self.progs = {}  # /prog, /aux -> artifact key bound there
        self.recursion_counter = None
        # Without a mount namespace the box's paths (/box, /prog, /pch …) do not exist; they
        # are rewritten to the host directories they stand for.
        self.host_paths = {dst: src for src, dst, _ in cfg.get("binds", []) if src != dst}

    # ------------------------------------------------------------------ one-time set-up

    def setup(self):
        for name, spec in self.cfg.get("cgroups", {}).items():
            self.cgroups[name] = Cgroup(spec["mode"], spec["files"])
        if not self.isolated:
            return
        self.in_pidns = os.getpid() == 1
        cfg = self.cfg
        root = cfg["root"]
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        os.makedirs(root, exist_ok=True)
        mount("xcoder-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
        for link, target in cfg.get("symlinks", {}).items():
            os.symlink(target, root + link)
        for src, dst, writable in cfg["binds"]:
            self._bind(src, root + dst, writable)
        self._make_dev(root)
        for d in ("/proc", "/tmp", "/box", "/prog", "/aux", "/dev/shm"):
            os.makedirs(root + d, exist_ok=True)
        os.chmod(root + "/tmp", 0o1777)
        for name, text in cfg.get("etc", {}).items():
            path = root + "/etc/" + name
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        try:
            mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
        except OSError:
            mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        old = root + "/.oldroot"
        os.mkdir(old)
        if SYS_PIVOT_ROOT is None:
            raise OSError(errno.ENOSYS, "pivot_root: unknown architecture " + platform.machine())
        _check(libc.syscall(SYS_PIVOT_ROOT, _b(root), _b(old)), "pivot_root")
        os.chdir("/")
        umount("/.oldroot")
        os.rmdir("/.oldroot")
        mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        socket.sethostname(cfg.get("hostname", "box"))

    def _bind(self, src, target, writable):
        if os.path.isdir(src):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
        mount(src, target, None, MS_BIND | MS_REC)
        flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV
        if not writable:
            flags |= MS_RDONLY
        mount(None, target, None, flags)

    def _make_dev(self, root):
        dev = root + "/dev"
        os.makedirs(dev, exist_ok=True)
        mount("xcoder-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
        for name in ("null", "zero", "full", "random", "urandom"):
            open(dev + "/" + name, "a").close()
            mount("/dev/" + name, dev + "/" + name, None, MS_BIND)
            mount(None, dev + "/" + name, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC)
        for link, target in (
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ):
            os.symlink(target, dev + "/" + link)
        os.mkdir(dev + "/shm")

    def preload(self):
        for name in self.cfg.get("preload", []):
            try:
                __import__(name)
            except Exception as e:  # a module missing from this interpreter is only a warning
                self.warnings.append("preload %s: %s" % (name, e))

    # ------------------------------------------------------------------------ serving

    def serve(self):
        launch = self._spawn_forker()
        if launch is not None:
            return launch  # we are a child of the forker, to become a warm Python program
        while True:
            try:
                header, blobs = protocol.recv(self.sock)
            except protocol.ProtocolError:
                return
            op = header.get("op")
            try:
                if op == "run":
                    result = self.run(header, blobs)
                    if isinstance(result, Launch):
                        return result  # we are the forked child
                    reply, out = result
                elif op == "ping":
                    reply, out = {"op": "pong"}, []
                elif op == "exit":
                    return
                else:
                    reply, out = {"op": "error", "message": "unknown op %r" % op}, []
            except Exception as e:
                try:
                    self._kill_leftovers()
                except OSError:
                    pass
                reply, out = {"op": "error", "message": "%s: %s" % (type(e).__name__, e)}, []
            protocol.send(self.sock, reply, out)

    # --------------------------------------------------------------------- one run

    def _fresh_mounts(self, uid):
        """An empty /box, /tmp and /dev/shm for every run: nothing survives from the last one.

        A scratch file system that is provably untouched (same usage, owner, mode, extended
        attributes and timestamps: see scratch_state) is kept; anything else is replaced.
        """
        if not self.isolated:
            import shutil

            shutil.rmtree(self.box_dir, ignore_errors=True)
            os.makedirs(self.box_dir, mode=0o755)
            if os.geteuid() == 0:
                os.chown(self.box_dir, uid, uid)
            return
        for path, mode, owner in (("/box", 0o755, uid), ("/tmp", 0o1777, 0), ("/dev/shm", 0o1777, 0)):
            kept = self.scratch.get(path)
            if kept and kept[0] == owner and scratch_untouched(path, kept[1]):
                continue
            umount(path)
            opts = "size=%dm,mode=%o,uid=%d,gid=%d" % (self.tmpfs_size, mode, owner, owner)
            mount("xcoder-" + path.strip("/").replace("/", "-"), path, "tmpfs", MS_NOSUID | MS_NODEV, opts)
            self.scratch[path] = (owner, scratch_state(path))

    def _bind_prog(self, mount_point, key):
        """Show one compiled artifact, read-only, at /prog (the program) or /aux (its interactor)."""
        if not self.isolated:
            self.progs[mount_point] = key  # no mounts: paths are translated instead
            return
        if self.progs.get(mount_point) == key:
            return
        if mount_point not in ("/prog", "/aux"):
            raise ValueError("artifacts mount at /prog or /aux, not %r" % mount_point)
        umount(mount_point)
        self.progs.pop(mount_point, None)
        if key:
            if "/" in key or key.startswith("."):
                raise ValueError("bad artifact key %r" % key)
            mount(ARTIFACTS_MOUNT + "/" + key, mount_point, None, MS_BIND)
            flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
            mount(None, mount_point, None, flags)
            self.progs[mount_point] = key

    def run(self, header, blobs):
        """Run a batch of runs of one program (tests), each one program or a solution+interactor.

        Batching amortises the request round trip; every run still gets a fresh /box and /tmp.
        With `stop_on_failure`, the batch ends after the first run that did not exit cleanly.
        """
        for mount_point, key in sorted(header.get("progs", {}).items()):
            self._bind_prog(mount_point, key)
        reports, out = [], []
        for run in header["runs"]:
            result = self._run_one(run, header, blobs, out)
            if isinstance(result, Launch):
                return result  # we are the forked child
            reports.append(result)
            first = result[0]
            if header.get("stop_on_failure") and (first["exit_code"] != 0 or first["killed_for"]):
                break
        files = {}
        for pattern in header.get("collect", []):
            for name in sorted(os.listdir(self.box_dir)):
                full = os.path.join(self.box_dir, name)
                if fnmatch.fnmatch(name, pattern) and os.path.isfile(full) and not os.path.islink(full):
                    with open(full, "rb") as f:
                        files[name] = [len(out), os.stat(full).st_mode & 0o777]
                        out.append(f.read(header.get("collect_max", 256 << 20)))
        return {"op": "done", "reports": reports, "files": files}, out

    def _run_one(self, run, header, blobs, out):
        procs = run["procs"]
        uid_main = self.uids[procs[0].get("uid", "main")]
        self._fresh_mounts(uid_main)
        files = {name: blobs[idx] for name, idx in header.get("files_in", {}).items()}
        if files:
            write_work_files(self.box_dir, files, uid_main if os.geteuid() == 0 else None)
        child_side, parent_side = [], []
        started = []
        # No try/finally here: a warm Python child returns through this frame and must not
        # close descriptors that by then are the program's own.
        try:
            wiring = self._wire(procs, blobs, child_side, parent_side)
            self.used_cgroups = [
                self.cgroups[name]
                for name in {spec.get("cgroup", "run") for spec in procs}
                if name in self.cgroups
            ]
            for spec, fds in zip(procs, wiring):
                cg = self.cgroups.get(spec.get("cgroup", "run"))
                if cg is not None:
                    cg.prepare(spec["limits"]["mem"], spec["limits"]["nproc"])
                proc = self._start(spec, fds, cg)
                if isinstance(proc, Launch):
                    return proc
                started.append(proc)
        except Exception:
            self._abort(started)
            close_all(child_side + parent_side + [p["err_r"] for p in started])
            raise
        close_all(child_side)
        reports = self._supervise(started)  # closes the read ends it was given
        for rep, proc in zip(reports, started):
            for stream in ("stdout", "stderr", "result"):
                rep[stream] = len(out)
                out.append(bytes(proc[stream]))
        return reports

    def _wire(self, procs, blobs, child_side, parent_side):
        """File descriptors for each process: stdin, stdout, stderr, harness spec and result."""

        def pipe(big=False, both_child=False):
            r, w = os.pipe2(os.O_CLOEXEC)
            if big:
                try:
                    fcntl_setpipe(w)
                except OSError:
                    pass
            child_side.append(w)
            (child_side if both_child else parent_side).append(r)
            return r, w

        def memfd(data):
            fd = os.memfd_create("input", os.MFD_CLOEXEC)
            child_side.append(fd)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.lseek(fd, 0, os.SEEK_SET)
            return fd

        wiring = []
        for spec in procs:
            fds = {}
            if spec.get("stdin") is not None:
                fds[0] = memfd(blobs[spec["stdin"]])
            if spec.get("capture_stdout", True):
                r, w = pipe(big=True)
                fds[1], fds["stdout_r"] = w, r
            r, w = pipe()
            fds[2], fds["stderr_r"] = w, r
            for fd_num, idx in spec.get("fds_in", {}).items():
                fds[int(fd_num)] = memfd(blobs[idx])
            if spec.get("result_fd") is not None:
                r, w = pipe()
                fds[spec["result_fd"]], fds["result_r"] = w, r
            wiring.append(fds)
        links = [(i, int(fd), peer, peer_fd) for i, spec in enumerate(procs)
                 for fd, (peer, peer_fd) in sorted(spec.get("pipes_to", {}).items())]  # fmt: skip
        for i, fd, peer, peer_fd in links:  # e.g. an assert test's candidate and tester
            r, w = pipe(big=True, both_child=True)
            wiring[i][fd], wiring[peer][peer_fd] = w, r
        if len(procs) == 2 and not links:  # interactive: solution stdout -> interactor stdin, and back
            a_r, a_w = pipe(big=True, both_child=True)
            b_r, b_w = pipe(big=True, both_child=True)
            wiring[0][1], wiring[1][0] = a_w, a_r
            wiring[1][1], wiring[0][0] = b_w, b_r
        return wiring

    def _host_path(self, text):
        if self.isolated or not isinstance(text, str):
            return text
        mapping = {"/box": self.box_dir}
        mapping.update(self.host_paths)
        artifacts = self.host_paths.get(ARTIFACTS_MOUNT)
        for mount_point, key in self.progs.items():
            if key and artifacts:
                mapping[mount_point] = os.path.join(artifacts, key)
        for virtual, real in mapping.items():
            for prefix in ("", "-I"):
                head = prefix + virtual
                if text == head or text.startswith(head + "/"):
                    return prefix + real + text[len(head) :]
        return text

    # ------------------------------------------------------------------ the forker
    #
    # Forking write-protects every page of the forking process, and each later write to one
    # costs a page fault (a copy while the child lives). The box, which does all the per-run
    # bookkeeping, therefore never forks after set-up: a small forker process, forked once,
    # starts the test processes on request and reports how they ended.

    def _spawn_forker(self):
        box_end, forker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid:
            forker_end.close()
            self.forker_sock, self.forker_pid = box_end, pid
            self.pending_exits = {}
            return None
        box_end.close()
        os.close(self.sock.detach())  # the worker must see EOF when the box goes away
        self.forker_sock, self.forker_pid = forker_end, os.getpid()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a run come here, not to the box
        drop_capability_bounding_set()
        return self._forker_loop()

    def _forker_loop(self):
        """In the forker: start processes on request, reap them, report how they ended."""
        import json

        sock = self.forker_sock
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        children = {}
        while True:
            for fd, _ in poller.poll():
                if fd == sock.fileno():
                    try:
                        msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 64)
                    except OSError:
                        os._exit(1)
                    if not msg:
                        os._exit(0)
                    req = json.loads(msg)
                    if req.get("op") == "sweep":
                        sock.send(json.dumps({"swept": self._sweep(req["pids"])}).encode())
                        continue
                    for fd in fds:  # socket.recv_fds ignores MSG_CMSG_CLOEXEC; nothing may leak past execve
                        os.set_inheritable(fd, False)
                    result = self._fork_one(req, fds)
                    if isinstance(result, Launch):
                        return result  # the new child, on its way to becoming the program
                    pidfd = os.pidfd_open(result)
                    poller.register(pidfd, select.POLLIN)
                    children[pidfd] = result
                    sock.send(json.dumps({"started": result}).encode())
                else:
                    pid = children.pop(fd)
                    poller.unregister(fd)
                    os.close(fd)
                    _, status, ru = os.wait4(pid, 0)
                    report = {
                        "exited": pid,
                        "status": status,
                        "cpu": ru.ru_utime + ru.ru_stime,
                        "maxrss": ru.ru_maxrss,
                    }
                    sock.send(json.dumps(report).encode())

    def _sweep(self, pids):
        """In the forker: kill everything left of the run and reap it; return its CPU seconds.

        Every process of a run descends from the forker, which is their subreaper, so when it
        has no children left nothing of the run is left. In the slot's PID namespace kill(-1)
        reaches everyone but the box (PID 1) and the forker itself.
        """
        cpu = 0.0
        for _ in range(2000):
            if self.in_pidns:
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

    def _fork_one(self, req, fds):
        """Fork one process; everything the child needs is computed before the fork."""
        spec = req["spec"]
        targets = req["targets"]
        err_w = fds[-1]
        cg = self.cgroups.get(req["cgroup"]) if req["cgroup"] else None
        limits = spec["limits"]
        plan = {
            "cg": cg,
            "rlimits": rlimit_pairs(limits, cg is not None, self.vm_base if spec["kind"] == "py" else 0),
            "dup": list(zip(fds[:-1], targets)),
            "keep": sorted({err_w, 0, 1, 2} | set(targets)),
            "uid": self.uids[spec.get("uid", "main")],
            "err_w": err_w,
            "hide": req["hide"],
        }
        if spec["kind"] == "exec":
            env = dict(self.env)
            env.update(spec.get("env", {}))
            plan["exec"] = (spec["argv"][0], spec["argv"], env)
        else:
            prepared = None
            if spec["mode"] != "tester" and (spec["mode"] == "script" or spec.get("harness")):
                module = "solution" if spec.get("harness") == "call" else "__main__"
                prepared = pyrunner.prepare(spec["path"], module, spec.get("args", []))
            plan["launch"] = Launch(
                spec["mode"],
                spec["path"],
                spec.get("harness"),
                prepared,
                spec.get("compile_as"),
                self.recursion_counter,
            )
            plan["env"] = spec.get("env", {})
        pid = os.fork()
        if pid == 0:
            try:
                return self._become(plan)
            except BaseException as e:
                try:
                    os.write(err_w, ("%s: %s" % (type(e).__name__, e)).encode()[:4000])
                finally:
                    os._exit(SETUP_FAILED)
        close_all(fds)
        return pid

    def _hidden_from(self, spec):
        """Mount points a process must not see: the judge's side of its run.

        While an interactor is bound at /aux, the solution beside it gets its own mount
        namespace without /aux and without the artifact store (whose keys /proc/self/mountinfo
        would give away); the interactor's code and data are then not reachable by any path.
        """
        if not self.isolated or spec.get("uid", "main") != "main" or not self.progs.get("/aux"):
            return []
        return ["/aux", ARTIFACTS_MOUNT]

    def _hide(self, mount_points):
        """In the forked child: a mount namespace of its own without the given mount points."""
        _check(libc.unshare(CLONE_NEWNS), "unshare")
        for mount_point in mount_points:
            umount(mount_point)

    def _forker_message(self):
        import json

        msg = self.forker_sock.recv(1 << 16)
        if not msg:
            raise OSError(errno.EPIPE, "the forker died")
        return json.loads(msg)

    def _start(self, spec, fds, cg):
        """Have the forker start one process of this run."""
        import json

        if not self.isolated:
            spec = dict(spec)
            spec["argv"] = [self._host_path(a) for a in spec.get("argv", [])]
            for key in ("path", "compile_as"):
                spec[key] = self._host_path(spec.get(key))
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        targets = sorted(t for t in fds if isinstance(t, int))
        req = {
            "spec": spec,
            "targets": targets,
            "cgroup": spec.get("cgroup", "run") if cg is not None else None,
            "hide": self._hidden_from(spec),  # the forker's copy of self.progs is stale
        }
        try:
            socket.send_fds(self.forker_sock, [json.dumps(req).encode()], [fds[t] for t in targets] + [err_w])
        finally:
            os.close(err_w)
        while True:
            msg = self._forker_message()
            if "started" in msg:
                break
            self.pending_exits[msg["exited"]] = msg  # a process started earlier already ended
        return {
            "pid": msg["started"],
            "spec": spec,
            "cg": cg,
            "err_r": err_r,
            "stdout_r": fds.get("stdout_r"),
            "stderr_r": fds.get("stderr_r"),
            "result_r": fds.get("result_r"),
            "stdout": bytearray(),
            "stderr": bytearray(),
            "result": bytearray(),
            "stdout_len": 0,
            "stderr_len": 0,
            "started": time.monotonic(),
        }

    def _become(self, plan):
        """In the forked child: confine this process, then become the program. Order matters."""
        self.forker_sock.detach()  # the socket object must not close a descriptor the program reuses
        if plan["cg"] is not None:
            plan["cg"].join()
        setrlimit = resource.setrlimit
        for res, soft, hard in plan["rlimits"]:
            setrlimit(res, (soft, hard))
        for fd, target in plan["dup"]:
            os.dup2(fd, target)
        if not any(t == 0 for _, t in plan["dup"]):
            fd = os.open("/dev/null", os.O_RDONLY)
            os.dup2(fd, 0)
            os.close(fd)
        close_other_fds(plan["keep"])
        if plan["hide"]:
            self._hide(plan["hide"])
        os.chdir(self.box_dir)
        os.setsid()
        uid = plan["uid"]
        if os.geteuid() == 0:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        if self._fprog is not None:
            _check(
                libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(self._fprog), 0, 0), "seccomp"
            )
        if "exec" in plan:
            for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            path, argv, env = plan["exec"]
            os.execve(path, argv, env)
        os.close(plan["err_w"])
        if plan["env"]:
            os.environ.update(plan["env"])
        return plan["launch"]

    def _supervise(self, procs):
        """Wait for the program(s), enforcing wall time, CPU time and output size from outside."""
        poller = select.poll()
        poller.register(self.forker_sock.fileno(), select.POLLIN)
        owner = {}
        for p in procs:
            for stream in ("stdout", "stderr", "result"):
                fd = p[stream + "_r"]
                if fd is not None:
                    poller.register(fd, select.POLLIN)
                    owner[fd] = (p, stream)
        running = {p["pid"]: p for p in procs}
        for p in procs:
            p.update(status=None, cpu=0.0, maxrss=0, killed=None, ended=None)
        for pid in list(running):
            if pid in self.pending_exits:
                self._ended(running.pop(pid), self.pending_exits.pop(pid))
        deadline = min(p["started"] + p["spec"]["limits"]["wall"] for p in procs)
        cpu_step = 0.02
        next_cpu = time.monotonic() + cpu_step
        reason = None
        leftovers_killed = False
        while owner or running:
            now = time.monotonic()
            wait = min(deadline, next_cpu) - now if running else 1.0
            for fd, _ in poller.poll(max(0, math.ceil(wait * 1000))):
                if fd == self.forker_sock.fileno():
                    msg = self._forker_message()
                    p = running.pop(msg["exited"], None)
                    if p is not None:
                        self._ended(p, msg)
                    continue
                p, what = owner[fd]
                data = os.read(fd, READ_CHUNK)
                if not data:
                    poller.unregister(fd)
                    del owner[fd]
                    continue
                if self._take(p, what, data) and reason is None:
                    reason = ("ole", what)
                    self._kill_all(procs)
            now = time.monotonic()
            if running and reason is not None:
                killed_at = min(p["killed"] or now for p in procs)
                if now - killed_at > KILL_GRACE_S:  # e.g. no CAP_KILL: never reuse such a box
                    raise OSError(errno.EBUSY, "processes of the run survive SIGKILL")
            if running and reason is None:
                if now >= deadline:
                    reason = ("wall", None)
                    self._kill_all(procs)
                elif now >= next_cpu:
                    next_cpu = now + cpu_step
                    for p in running.values():
                        if p["cg"] is not None and p["cg"].cpu() > p["spec"]["limits"]["cpu"]:
                            reason = ("cpu", None)
                            self._kill_all(procs)
                            break
            if not running and not leftovers_killed:
                leftovers_killed = True
                extra = self._kill_leftovers()
                for p in procs:
                    p["cpu"] += extra
        reports = []
        for p in procs:
            for fd in ("stdout_r", "stderr_r", "result_r"):
                if p[fd] is not None:
                    os.close(p[fd])
            setup_error = os.read(p["err_r"], 8192)
            os.close(p["err_r"])
            reports.append(self._report(p, reason, setup_error))
        return reports

    @staticmethod
    def _ended(p, msg):
        p["status"], p["cpu"], p["maxrss"], p["ended"] = (
            msg["status"],
            msg["cpu"],
            msg["maxrss"],
            time.monotonic(),
        )

    def _take(self, p, stream, data):
        """Keep output up to its cap; True when the program wrote more than it may."""
        limits = p["spec"]["limits"]
        if stream == "result":  # a call's value: as large as stdout may be, no larger
            p["result"] += data
            return len(p["result"]) > max(1 << 20, limits["output"])
        p[stream + "_len"] += len(data)
        keep = limits["stdout_keep"] if stream == "stdout" else limits["stderr_keep"]
        room = keep - len(p[stream])
        if room > 0:
            p[stream] += data[:room]
        return p[stream + "_len"] > limits["output"]

    def _kill_all(self, procs):
        """SIGKILL the run's processes and everything they started; reaping comes later.

        The forker reaps the main processes (that is how their status arrives); orphans are
        the box's (it is PID 1) and are reaped once no main process is running.
        """
        now = time.monotonic()
        for p in procs:
            if p.get("status") is None:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(p["pid"], signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                if p.get("killed") is None:
                    p["killed"] = now
        self._kill_others()

    def _abort(self, started):
        """A run that failed half-way: kill what started and wait for the forker to reap it."""
        self._kill_all(started)
        waiting = {p["pid"] for p in started} - set(self.pending_exits)
        deadline = time.monotonic() + 10
        while waiting and time.monotonic() < deadline:
            if select.select([self.forker_sock], [], [], 0.1)[0]:
                waiting.discard(self._forker_message().get("exited"))
        for p in started:
            self.pending_exits.pop(p["pid"], None)
        self._kill_leftovers()

    def _run_pids(self):
        """Every process of the run: the used cgroups' members, or (no cgroups) all but box and forker."""
        pids = set()
        if self.cgroups:
            for cg in self.used_cgroups:
                pids.update(cg.members())
        elif self.in_pidns:
            pids.update(int(name) for name in os.listdir("/proc") if name.isdigit())
        pids.difference_update((1, self.forker_pid) if self.in_pidns else (os.getpid(), self.forker_pid))
        return pids

    def _kill_others(self):
        for pid in self._run_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _kill_leftovers(self):
        """Have the forker kill and reap everything left of the run; return its CPU seconds."""
        import json

        pids = [] if self.in_pidns else sorted(self._run_pids())
        self.forker_sock.send(json.dumps({"op": "sweep", "pids": pids}).encode())
        while True:
            msg = self._forker_message()
            if "swept" in msg:
                if msg["swept"] is None:
                    raise OSError(errno.EBUSY, "processes of the run survive SIGKILL")
                if self.isolated:
                    remove_sysv_objects()  # the box's own IPC namespace: nothing for the next run
                return msg["swept"]
            self.pending_exits[msg["exited"]] = msg

    def _report(self, p, reason, setup_error):
        status = p["status"]
        cg = p["cg"]
        cpu = cg.cpu() if cg is not None else p["cpu"]
        ended = p["ended"] or time.monotonic()
        rep = {
            "exit_code": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
            "cpu_s": round(cpu, 6),
            "wall_s": round(ended - p["started"], 6),
            "ended": ended,  # monotonic: which process of a run ended first (interactive verdicts)
            "mem_kb": (cg.peak_bytes() // 1024) if cg is not None else p["maxrss"],
            "oom": bool(cg is not None and cg.oom_kills() > 0),
            "stdout_len": p["stdout_len"],
            "stderr_len": p["stderr_len"],
            "killed_for": None,
            "setup_error": setup_error.decode("utf-8", "replace") if setup_error else None,
        }
        if reason is not None:
            rep["killed_for"] = reason[0] if reason[0] != "ole" else "output_" + reason[1]
        if cpu > p["spec"]["limits"]["cpu"] and rep["killed_for"] is None:
            rep["killed_for"] = "cpu"
        return rep


# ----------------------------------------------------------------------------- main


def keeper(child):
    """Outside the new PID namespace: wait for the box; killing this process kills the slot."""

    def forward(signum, frame):
        os.kill(child, signal.SIGKILL)

    signal.signal(signal.SIGTERM, forward)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF if hasattr(os, "waitstatus_to_exitcode") else 1)


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


def main():
    launch_warnings = launch_state.normalise()  # before anything can inherit the launcher's state
    raise_stack_limit()
    fd = int(os.environ.pop("XCODER_BOX_FD"))
    sock = socket.socket(fileno=fd)
    header, blobs = protocol.recv(sock)
    if header.get("isolate"):
        _check(
            libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare"
        )
        child = os.fork()
        if child:
            sock.close()
            keeper(child)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    box = Box(sock, header, blobs[0] if blobs else b"")
    box.warnings.extend(launch_warnings)
    try:
        box.setup()
        box.preload()
    except Exception as e:
        protocol.send(sock, {"op": "failed", "message": "%s: %s" % (type(e).__name__, e)})
        os._exit(1)
    box.vm_base = vm_size()
    box.recursion_counter = find_recursion_counter()
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
    protocol.send(sock, {"op": "ready", "pid_namespace": box.in_pidns, "warnings": box.warnings})
    launch = box.serve()
    if launch is None:
        os._exit(0)
    return launch


if __name__ == "__main__":
    _launch = main()
    # Only a forked child that is to become a warm Python program gets here. The box's
    # frames are gone: the solution's module frame will sit right above this one.
    if _launch.mode == "compile":
        os._exit(pyrunner.compile_check(_launch.path, _launch.path + "c", _launch.compile_as))
    if _launch.mode == "tester":
        os._exit(pytester.main())
    _path, _harness = _launch.path, _launch.harness
    _ns = pyrunner.install(
        _launch.prepared,
        forget=(
            "launch_state",
            "protocol",
            "pyrunner",
            "pytester",
            "pyvalues",
            "zygote",
            "box_os",
            "box_cgroup",
        ),
    )
    if _launch.recursion_counter:
        # Measure what exec() costs from right here, then give the solution's module frame
        # the budget a fresh interpreter's module frame has.
        _probe = {"counter": ctypes.c_int.from_address(_launch.recursion_counter)}
        _before = _probe["counter"].value
        exec(PROBE, _probe)
        _probe["counter"].value = __import__("sys").getrecursionlimit() - 1 + _before - _probe["inside"]
        del _probe, _before
    del _launch
    _status = 0
    try:
        exec(pyrunner.load_code(_path), _ns)
        if _harness:
            pyrunner.HARNESSES[_harness](_ns)
    except BaseException as _exc:
        _status = pyrunner.exit_code_for(_exc, _path)
    pyrunner.finalize(_status)
