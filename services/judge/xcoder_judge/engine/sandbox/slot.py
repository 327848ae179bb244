"""A slot: the worker's handle on one long-lived box process (the client of box.py).

A slot is used by one thread at a time (the pool hands it out). Any failure of the box itself
(crash, hang past the wall limit, garbled reply) kills the whole slot and raises SlotError; the
next run starts a fresh box. A sandbox failure is never reported as the program's verdict.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import BoxConfig, Proc, ProcReport, RunRequest, RunResult

log = logging.getLogger(__name__)

BOX_SCRIPT = Path(__file__).with_name("box.py")
START_TIMEOUT_S = 60.0
REPLY_MARGIN_S = 15.0  # the box answers within its wall limit plus this, or it is declared hung


class SlotError(RuntimeError):
    """The box failed (not the program): the run must be retried elsewhere or reported as SE."""


def _encode(req: RunRequest) -> tuple[dict[str, Any], list[bytes]]:
    blobs: list[bytes] = []

    def blob(data: bytes) -> int:
        blobs.append(data)
        return len(blobs) - 1

    def proc(p: Proc) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "kind": p.kind,
            "limits": p.limits.wire(),
            "uid": p.uid,
            "cgroup": p.cgroup,
            "env": p.env,
            "stdin": blob(p.stdin) if p.stdin is not None else None,
            "capture_stdout": p.capture_stdout,
            "fds_in": {str(k): blob(v) for k, v in p.fds_in.items()},
            "result_fd": p.result_fd,
            "pipes_to": {str(k): list(v) for k, v in p.pipes_to.items()},
        }
        if p.kind == "exec":
            wire["argv"] = p.argv
        else:
            wire.update(
                mode=p.py_mode, path=p.py_path, harness=p.harness, args=p.py_args, compile_as=p.compile_as
            )
        return wire

    header = {
        "op": protocol.OP_RUN,
        "runs": [{"procs": [proc(p) for p in run]} for run in req.runs],
        "progs": req.progs,
        "files_in": {name: blob(data) for name, data in req.files_in.items()},
        "collect": req.collect,
        "stop_on_failure": req.stop_on_failure,
    }
    return header, blobs


def _decode(header: dict[str, Any], blobs: list[bytes]) -> RunResult:
    reports = []
    for run in header["reports"]:
        reports.append([_report(r, blobs) for r in run])
    files = {name: (blobs[idx], mode) for name, (idx, mode) in header.get("files", {}).items()}
    return RunResult(reports, files)


def _report(r: dict[str, Any], blobs: list[bytes]) -> ProcReport:
    if set(r) != protocol.REPORT_FIELDS:
        raise KeyError(f"report fields {sorted(set(r) ^ protocol.REPORT_FIELDS)} differ from the protocol's")
    return ProcReport(
        exit_code=r["exit_code"],
        signal=r["signal"],
        cpu_s=r["cpu_s"],
        wall_s=r["wall_s"],
        mem_kb=r["mem_kb"],
        oom=r["oom"],
        killed_for=r["killed_for"],
        stdout=blobs[r["stdout"]],
        stderr=blobs[r["stderr"]],
        result=blobs[r["result"]],
        stdout_len=r["stdout_len"],
        stderr_len=r["stderr_len"],
        setup_error=r["setup_error"],
        ended=r["ended"],
    )


class Slot:
    def __init__(
        self,
        index: int,
        config: BoxConfig,
        uids: dict[str, int],
        cgroups: dict[str, dict],
        userns: dict[str, Any] | None = None,
    ) -> None:
        self.index = index
        self.config = config
        self.uids = uids
        self.cgroups = cgroups
        self.userns_plan = userns or {"off": "not planned"}  # box_creds.Privilege's plan
        self.userns = False  # the box runs as root of its own user namespace
        self.userns_reason: str | None = None
        self.box_caps: list[str] = []
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.pid_namespace = False
        self.warnings: list[str] = []
        self.launcher = False  # the box starts exec-kind programs through the C launcher
        self.runs = 0

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        cfg = self.config
        root = cfg.work_dir / f"slot-{self.index}"
        box_dir = root / "box"
        box_dir.mkdir(parents=True, exist_ok=True)
        (root / "root").mkdir(exist_ok=True)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # The box's code is reached through a descriptor, never its host path: the box's
        # command line and its code objects' file names, which a warm program inherits, then
        # read /proc/self/fd/N/... (the box closes N once it has imported everything).
        code_fd = os.open(BOX_SCRIPT.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        env = dict(cfg.env)
        env["XCODER_BOX_FD"] = str(child.fileno())
        env["XCODER_BOX_CODE_FD"] = str(code_fd)
        try:
            self._proc = subprocess.Popen(
                [cfg.python, f"/proc/self/fd/{code_fd}/{BOX_SCRIPT.name}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None,
                pass_fds=(child.fileno(), code_fd),
                env=env,
                cwd="/",
                start_new_session=True,
            )
        finally:
            child.close()
            os.close(code_fd)
        self._sock = parent
        init = self.init_header()
        try:
            parent.settimeout(START_TIMEOUT_S)
            protocol.send(parent, init, [cfg.seccomp] if cfg.seccomp else [])
            header, _ = protocol.recv(parent)
        except (OSError, protocol.ProtocolError) as e:
            self.kill()
            raise SlotError(f"slot {self.index}: box did not start: {e}") from None
        if header.get("op") != protocol.OP_READY:
            self.kill()
            refused = header.get("userns_refused")
            if refused and "map" in self.userns_plan:
                # the kernel let the box make its user namespace but the keeper could not map
                # it: from now on this slot's box starts without one (Sandbox refuses that under
                # XCODER_JUDGE_BOX_USERNS=on and warns under auto)
                self.userns_plan = {"off": refused, "host_uid": self.userns_plan.get("host_uid")}
                return self.start()
            raise SlotError(f"slot {self.index}: box set-up failed: {header.get('message', header)}")
        self.pid_namespace = bool(header.get("pid_namespace"))
        self.warnings = list(header.get("warnings", []))
        self.launcher = bool(header.get("launcher"))
        self.userns = bool(header.get("userns"))
        self.userns_reason = header.get("userns_reason")
        self.box_caps = list(header.get("caps", []))
        self.runs = 0

    def init_header(self) -> dict[str, Any]:
        """The box's set-up message (protocol.INIT_FIELDS) for this slot."""
        cfg = self.config
        root = cfg.work_dir / f"slot-{self.index}"
        box_dir = root / "box"
        etc = dict(cfg.etc)
        etc["passwd"] = (
            "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"box:x:{self.uids['main']}:{self.uids['main']}:judged program:/tmp:/usr/sbin/nologin\n"
            f"aux:x:{self.uids['aux']}:{self.uids['aux']}:checker:/tmp:/usr/sbin/nologin\n"
        )
        etc["group"] = f"root:x:0:\nbox:x:{self.uids['main']}:\naux:x:{self.uids['aux']}:\n"
        init = {
            "op": protocol.OP_INIT,
            "isolate": cfg.isolate,
            "root": str(root / "root"),
            "box_dir": str(box_dir),
            "binds": [list(b) for b in cfg.binds],
            "symlinks": cfg.symlinks,
            "etc": etc,
            "env": cfg.env,
            "uids": self.uids,
            "cgroups": self.cgroups,
            "preload": cfg.preload,
            "tmpfs_mb": cfg.tmpfs_mb,
            "artifacts": str(cfg.artifacts_dir) if cfg.artifacts_dir else None,
            "progs_mb": cfg.progs_mb,
            "hostname": "box",
            "launcher": cfg.launcher,
            "userns": self.userns_plan,
        }
        return init

    def run(self, req: RunRequest) -> RunResult:
        """Run synchronously; raises SlotError (after killing the box) if the box fails."""
        with self._lock:
            if not self.alive:
                self.start()
            assert self._sock is not None
            header, blobs = _encode(req)
            wall = sum(max(p.limits.wall for p in run) for run in req.runs)
            try:
                self._sock.settimeout(wall + REPLY_MARGIN_S)
                protocol.send(self._sock, header, blobs)
                reply, out = protocol.recv(self._sock)
            except (OSError, protocol.ProtocolError) as e:
                self.kill()
                raise SlotError(f"slot {self.index}: box failed during a run: {e}") from None
            if reply.get("op") != protocol.OP_DONE:
                self.kill()
                raise SlotError(f"slot {self.index}: {reply.get('message', reply)}")
            self.runs += 1
            try:
                return _decode(reply, out)
            except (KeyError, IndexError, TypeError) as e:
                self.kill()
                raise SlotError(f"slot {self.index}: malformed reply: {e}") from None

    def kill(self) -> None:
        """Kill the box and, with it, everything in its namespaces."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            if self._proc.poll() is None:
                try:
                    self._proc.kill()  # the keeper; the box gets SIGKILL through PDEATHSIG
                except ProcessLookupError:
                    pass
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    log.error("slot %d: keeper %d did not die", self.index, self._proc.pid)
            self._proc = None

    def close(self) -> None:
        with self._lock:
            if self._sock is not None and self.alive:
                try:
                    self._sock.settimeout(2)
                    protocol.send(self._sock, {"op": protocol.OP_EXIT})
                except OSError:
                    pass
            self.kill()


def default_python() -> str:
    """The interpreter behind this one, outside any virtualenv: solutions get a plain Python."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)
