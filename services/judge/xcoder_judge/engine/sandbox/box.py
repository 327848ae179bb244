"""The box: one long-lived process per sandbox slot, living in its own namespaces.

Started by the worker (slot.py) as `PYTHON box.py` with a socket on fd 3; stdlib only, Python
3.8 compatible: it runs under the interpreter that runs solutions. `main` unshares the
namespaces and forks: the parent stays behind as the keeper (keeper.py), the child is the box.
The box sets the slot up once (box_fs.py: a minimal read-only root, /proc, devices) as the
worker's root, then drops that power (box_creds.py: root of its own user namespace where the
kernel allows it, else five capabilities), forks the forker (forker.py) and then serves the worker: for every run it wires the descriptors, has
the forker start the processes (each confines itself: confine.py) and watches them from
outside (supervise.py). It may touch its own namespaces, the slot's cgroups and the run's
processes; never the worker's files.

A warm Python program is a forked child of the forker that returns a `confine.Launch` all the
way out of `main`: it runs the solution at the bottom of this file, where a fresh interpreter
would have put the solution's module frame.
"""

import ctypes
import fnmatch
import gc
import os
import signal
import socket

import box_creds
import confine
import forker
import launch_state
import launcher
import protocol
import pyrunner
import pytester
import supervise
from box_cgroup import Cgroup
from box_fs import BoxFs
from box_os import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUTS,
    PR_SET_PDEATHSIG,
    PROBE,
    SockFprog,
    _check,
    close_all,
    fcntl_setpipe,
    find_recursion_counter,
    libc,
    prctl,
    vm_size,
    write_work_files,
)
from keeper import keep

COLLECT_MAX = 256 << 20  # bytes of one collected /box file
BOX_MODULES = (  # forgotten before a warm solution runs: its sys.modules looks like a fresh one's
    "box",
    "box_cgroup",
    "box_creds",
    "box_fs",
    "box_os",
    "confine",
    "forker",
    "keeper",
    "launch_state",
    "launcher",
    "prog_cache",
    "protocol",
    "pyrunner",
    "pytester",
    "pyvalues",
    "supervise",
)


class Box:
    def __init__(self, sock, cfg, seccomp_bpf, privilege=None):
        self.sock = sock
        self.privilege = privilege or box_creds.Privilege(None, None, {"off": "not isolated"})
        self.cfg = cfg
        self.fs = BoxFs(cfg)
        self.in_pidns = False
        self.uids = cfg["uids"]  # {"main": uid, "aux": uid}
        self.env = cfg["env"]
        self.cgroups = {}
        self.fprog = None
        if seccomp_bpf:
            self._filter_buf = ctypes.create_string_buffer(seccomp_bpf, len(seccomp_bpf))
            self.fprog = SockFprog(len(seccomp_bpf) // 8, ctypes.cast(self._filter_buf, ctypes.c_void_p))
        self.warnings = []
        self.vm_base = 0
        self.used_cgroups = []
        self.recursion_counter = None
        self.forker = None  # forker.ForkerLink once serving
        self.seccomp_bpf = seccomp_bpf
        self.launcher = None  # launcher.Launcher: exec-kind programs start through the C launcher

    # ------------------------------------------------------------------ one-time set-up

    def setup(self):
        if self.cfg.get("launcher"):
            try:
                self.launcher = launcher.Launcher.open(self.cfg["launcher"], self.seccomp_bpf)
            except OSError as e:
                self.warnings.append("C launcher unusable (%s): exec-kind programs start through Python" % e)
        for name, spec in self.cfg.get("cgroups", {}).items():
            self.cgroups[name] = Cgroup(spec["mode"], spec["files"])
        if self.fs.isolated:
            self.in_pidns = os.getpid() == 1
            self.fs.setup_root()
            # stage 2: from here on the box holds only box_creds.BOX_CAPS (in its own user
            # namespace where the kernel allows it); what it mounts now is its own, not locked
            inheritable = [c for c in launcher.CAPS if c in box_creds.BOX_CAPS] if self.launcher else []
            self.privilege.drop(inheritable)
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a change of credentials cleared it
            if self.launcher is not None:
                self.launcher.granted(inheritable)
            self.fs.setup_progs()  # the box's own tmpfs, owned by its own (namespace) root

    def preload(self):
        for name in self.cfg.get("preload", []):
            try:
                __import__(name)
            except Exception as e:  # a module missing from this interpreter is only a warning
                self.warnings.append("preload %s: %s" % (name, e))

    # ------------------------------------------------------------------------ serving

    def serve(self):
        """Answer the worker until it says exit or goes away; a Launch in a warm program's child."""
        link = forker.spawn(self)
        if isinstance(link, confine.Launch):
            return link  # we are a child of the forker, to become a warm Python program
        self.forker = link
        while True:
            try:
                header, blobs = protocol.recv(self.sock)
            except (protocol.ProtocolError, OSError) as e:  # the worker died (a closed slot says exit)
                log("the worker went away (%s); the box exits" % e)
                return None
            if header.get("op") == protocol.OP_EXIT:
                return None
            try:
                reply, out = self.answer(header, blobs)
            except supervise.WorkerGone as e:
                log("%s; its processes are killed, the box exits" % e)
                return None
            try:
                protocol.send(self.sock, reply, out)
            except OSError as e:
                log("the worker went away before the reply (%s); the box exits" % e)
                return None

    def answer(self, header, blobs):
        op = header.get("op")
        try:
            if op == protocol.OP_RUN:
                return self.run(header, blobs)
            if op == protocol.OP_PING:
                return {"op": protocol.OP_PONG}, []
            return {"op": protocol.OP_ERROR, "message": "unknown op %r" % op}, []
        except supervise.WorkerGone:
            raise  # the run is killed and reaped already (supervise.abort)
        except Exception as e:
            try:
                supervise.kill_leftovers(self)
            except OSError:
                pass
            return {"op": protocol.OP_ERROR, "message": "%s: %s" % (type(e).__name__, e)}, []

    # --------------------------------------------------------------------- one batch

    def run(self, header, blobs):
        """Run a batch of runs of one program (tests), each one program or a solution+interactor.

        Batching amortises the request round trip; every run still gets a fresh /box and /tmp.
        With `stop_on_failure`, the batch ends after the first run that did not exit cleanly.
        """
        for mount_point, key in sorted(header.get("progs", {}).items()):
            self.fs.bind_prog(mount_point, key)
        reports, out = [], []
        for run in header["runs"]:
            result = self.run_one(run, header, blobs, out)
            reports.append(result)
            first = result[0]
            if header.get("stop_on_failure") and (first["exit_code"] != 0 or first["killed_for"]):
                break
        return {"op": protocol.OP_DONE, "reports": reports, "files": self.collect(header, out)}, out

    def collect(self, header, out):
        """The /box files the batch asked back, as blobs: name -> [blob index, mode]."""
        files = {}
        box_dir = self.fs.box_dir
        for pattern in header.get("collect", []):
            for name in sorted(os.listdir(box_dir)):
                full = os.path.join(box_dir, name)
                if fnmatch.fnmatch(name, pattern) and os.path.isfile(full) and not os.path.islink(full):
                    with open(full, "rb") as f:
                        files[name] = [len(out), os.stat(full).st_mode & 0o777]
                        out.append(f.read(COLLECT_MAX))
        return files

    def run_one(self, run, header, blobs, out):
        procs = run["procs"]
        uid_main = self.uids[procs[0].get("uid", "main")]
        self.fs.fresh(uid_main)
        files = {name: blobs[idx] for name, idx in header.get("files_in", {}).items()}
        if files:
            write_work_files(self.fs.box_dir, files, uid_main if os.geteuid() == 0 else None)
            if self.fs.isolated:
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the fsuid change cleared it
        child_side, parent_side = [], []
        started = []
        try:
            wiring = self.wire(procs, blobs, child_side, parent_side)
            self.used_cgroups = [
                self.cgroups[name]
                for name in {spec.get("cgroup", "run") for spec in procs}
                if name in self.cgroups
            ]
            for spec, fds in zip(procs, wiring):
                cg = self.cgroups.get(spec.get("cgroup", "run"))
                if cg is not None:
                    cg.prepare(spec["limits"]["mem"], spec["limits"]["nproc"])
                started.append(self.start(spec, fds, cg))
        except Exception:
            supervise.abort(self, started)
            close_all(child_side + parent_side + [p.err_r for p in started])
            raise
        close_all(child_side)
        states = started
        reports = supervise.Supervision(self, states).run()  # closes the read ends it was given
        for rep, state in zip(reports, states):
            for stream in supervise.STREAMS:
                rep[stream] = len(out)
                out.append(bytes(state.out[stream]))
        return reports

    def wire(self, procs, blobs, child_side, parent_side):
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
                fds[1], fds["stdout"] = w, r
            r, w = pipe()
            fds[2], fds["stderr"] = w, r
            for fd_num, idx in spec.get("fds_in", {}).items():
                fds[int(fd_num)] = memfd(blobs[idx])
            if spec.get("result_fd") is not None:
                r, w = pipe()
                fds[spec["result_fd"]], fds["result"] = w, r
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

    def start(self, spec, fds, cg):
        """Have the forker start one process of this run; its RunState."""
        if not self.fs.isolated:
            spec = dict(spec)
            spec["argv"] = [self.fs.host_path(a) for a in spec.get("argv", [])]
            for key in ("path", "compile_as"):
                spec[key] = self.fs.host_path(spec.get(key))
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        targets = sorted(t for t in fds if isinstance(t, int))
        req = {
            "spec": spec,
            "targets": targets,
            "cgroup": spec.get("cgroup", "run") if cg is not None else None,
            "hide": self.fs.hidden_from(spec),  # the forker's copy of the mounted progs is stale
        }
        try:
            pid = self.forker.start(req, [fds[t] for t in targets] + [err_w])
        except BaseException:
            os.close(err_r)
            raise
        finally:
            os.close(err_w)
        pipes = {s: fds[s] for s in supervise.STREAMS if s in fds}
        return supervise.RunState(pid, spec, cg, err_r, pipes)


def log(message):
    """One line on the worker's stderr (which may be gone too: then nothing)."""
    try:
        os.write(2, ("xcoder box %d: %s\n" % (os.getpid(), message)).encode())
    except OSError:
        pass


# ----------------------------------------------------------------------------- main


def main():
    launch_warnings = launch_state.normalise()  # before anything can inherit the launcher's state
    launch_state.raise_stack_limit()
    fd = int(os.environ.pop("XCODER_BOX_FD"))
    code_fd = os.environ.pop("XCODER_BOX_CODE_FD", None)  # /proc/self/fd/N: this code (slot.py)
    if code_fd is not None:  # after any re-exec; every box module is imported by now
        os.close(int(code_fd))
    sock = socket.socket(fileno=fd)
    header, blobs = protocol.recv(sock)
    privilege = None
    if header.get("isolate"):
        # the keeper stays in the host's user namespace: it writes the box's id maps through
        # the host's /proc, which the box's pivot_root takes out of its sight
        proc_fd = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        box_r, keeper_w = os.pipe2(os.O_CLOEXEC)
        keeper_r, box_w = os.pipe2(os.O_CLOEXEC)
        _check(
            libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare"
        )
        child = os.fork()
        if child:
            sock.close()
            os.close(box_r)
            os.close(box_w)
            box_creds.KeeperSide(proc_fd, keeper_r, keeper_w, header.get("userns")).serve(child)
            keep(child)
        os.close(proc_fd)
        os.close(keeper_r)
        os.close(keeper_w)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        privilege = box_creds.Privilege(box_w, box_r, header.get("userns"))
    box = Box(sock, header, blobs[0] if blobs else b"", privilege)
    box.warnings.extend(launch_warnings)
    try:
        box.setup()
        box.preload()
    except Exception as e:
        failed = {"op": protocol.OP_FAILED, "message": "%s: %s" % (type(e).__name__, e)}
        if isinstance(e, box_creds.MapsRefused):
            failed["userns_refused"] = e.strerror  # the worker may start this box again without one
        protocol.send(sock, failed)
        os._exit(1)
    box.vm_base = vm_size()
    box.recursion_counter = find_recursion_counter()
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
    ready = {"op": protocol.OP_READY, "pid_namespace": box.in_pidns, "launcher": box.launcher is not None}
    ready.update(box.privilege.report())
    ready["warnings"] = box.warnings
    protocol.send(sock, ready)
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
    _ns = pyrunner.install(_launch.prepared, forget=BOX_MODULES)
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
