"""Per-slot cgroups on the worker side: find a writable hierarchy, create and remove slot groups.

The box process only ever sees file paths (it opens them before pivot_root). Two backends:
cgroup v2 (production Kubernetes nodes) and cgroup v1 (memory, pids and cpuacct hierarchies).
Each slot gets two groups: `run` for the program and `aux` for an interactor running beside it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Mode = Literal["v2", "v1", "none"]
V1_CONTROLLERS = ("memory", "pids", "cpuacct")
V2_CONTROLLERS = ("memory", "pids")


class CgroupUnavailable(RuntimeError):
    """No writable hierarchy with the controllers we need."""


@dataclass
class SlotGroups:
    """Paths the box opens for one slot: a dict per group name, in the box's vocabulary."""

    dirs: list[Path] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)


def _mountinfo() -> list[tuple[str, str, str]]:
    """(mount point, filesystem type, super options) of every mount."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts, rparts = left.split(), right.split()
            if len(parts) >= 5 and len(rparts) >= 3:
                out.append((parts[4].replace("\\040", " "), rparts[0], rparts[2]))
    return out


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under '' for v2."""
    paths = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if not controllers:
                paths[""] = path
            for c in controllers.split(","):
                paths[c] = path
    return paths


def _writable_dir(base: Path) -> bool:
    probe = base / f"xcoder-probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def _unowned(group: Path) -> bool:
    """True when no live worker holds the lock on this subtree."""
    try:
        fd = os.open(group, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _remove_tree(path: Path) -> None:
    """rmdir a cgroup subtree bottom-up, killing any process still in it first."""
    if not path.exists():
        return
    for child in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        _remove_group(child)
    _remove_group(path)


def _remove_group(path: Path) -> None:
    procs = path / "cgroup.procs"
    for _ in range(50):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            try:
                pids = [int(x) for x in procs.read_text().split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
    log.warning("could not remove cgroup %s", path)


class Cgroups:
    """Chooses a backend and owns this worker's cgroup subtree(s)."""

    def __init__(self, mode: Mode, bases: dict[str, Path], tag: str) -> None:
        self.mode = mode
        self.bases = bases  # controller (or "" for v2) -> this worker's own directory
        self.tag = tag
        self._locks: list[int] = []

    # ------------------------------------------------------------------ discovery

    @classmethod
    def detect(cls, wanted: str = "auto") -> Cgroups:
        """The first usable of v2 and v1 (or the one asked for); raises CgroupUnavailable."""
        if os.geteuid() != 0:
            raise CgroupUnavailable("cgroups need root (or a delegated subtree)")
        errors = []
        order = ("v2", "v1") if wanted == "auto" else (wanted,)
        for mode in order:
            try:
                return cls._v2() if mode == "v2" else cls._v1()
            except CgroupUnavailable as e:
                errors.append(f"{mode}: {e}")
        raise CgroupUnavailable("; ".join(errors))

    @classmethod
    def _tag(cls) -> str:
        # pids are not unique across PID namespaces (containers, sandboxed test runs): add a nonce
        return f"xcoder-judge-{os.getpid()}-{secrets.token_hex(4)}"

    @classmethod
    def _v2(cls) -> Cgroups:
        mounts = [m for m, fstype, _ in _mountinfo() if fstype == "cgroup2"]
        if not mounts:
            raise CgroupUnavailable("no cgroup2 mount")
        own = _own_paths().get("")
        if own is None:
            raise CgroupUnavailable("this process is in no cgroup2 group")
        for mount in mounts:
            base = Path(mount + own.rstrip("/")) if own != "/" else Path(mount)
            if not (base / "cgroup.controllers").exists():
                continue
            available = (base / "cgroup.controllers").read_text().split()
            missing = [c for c in V2_CONTROLLERS if c not in available]
            if missing:
                raise CgroupUnavailable(f"controllers {missing} not available at {base}")
            if not _writable_dir(base):
                raise CgroupUnavailable(f"{base} is not writable")
            return cls("v2", {"": base}, cls._tag())
        raise CgroupUnavailable("own cgroup2 directory not found")

    @classmethod
    def _v1(cls) -> Cgroups:
        own = _own_paths()
        bases: dict[str, Path] = {}
        for mount, fstype, opts in _mountinfo():
            if fstype != "cgroup":
                continue
            for c in V1_CONTROLLERS:
                if c in opts.split(",") and c not in bases and c in own:
                    bases[c] = Path(mount + own[c].rstrip("/")) if own[c] != "/" else Path(mount)
        missing = [c for c in V1_CONTROLLERS if c not in bases]
        if missing:
            raise CgroupUnavailable(f"v1 hierarchies {missing} not mounted")
        for c, base in bases.items():
            if not _writable_dir(base):
                raise CgroupUnavailable(f"{c} hierarchy at {base} is not writable")
        return cls("v1", bases, cls._tag())

    # ------------------------------------------------------------------ lifecycle

    def prepare(self) -> None:
        """Remove subtrees left by dead workers; on v2, make room to enable controllers.

        Each worker holds an flock on its own subtree for as long as it lives; a subtree whose
        lock can be taken belongs to nobody (the kernel drops a lock when its owner dies, in
        whatever PID namespace it ran).
        """
        for base in set(self.bases.values()):
            for stale in base.glob("xcoder-judge-*"):
                if (
                    stale.name != self.tag
                    and stale.is_dir()
                    and not stale.name.endswith("-init")
                    and _unowned(stale)
                ):
                    _remove_tree(stale)
        if self.mode == "v2":
            self._v2_enable_controllers(self.bases[""])
        for base in set(self.bases.values()):
            _mkdir_searchable(base / self.tag)
            fd = os.open(base / self.tag, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._locks.append(fd)
        if self.mode == "v2":
            top = self.bases[""] / self.tag
            self._write(top / "cgroup.subtree_control", " ".join("+" + c for c in self._v2_controllers(top)))

    def _v2_controllers(self, group: Path) -> list[str]:
        available = (group / "cgroup.controllers").read_text().split()
        return [c for c in ("memory", "pids", "cpu") if c in available]

    def _v2_enable_controllers(self, base: Path) -> None:
        """Controllers can only flow down from a group with no processes of its own (v2 rule)."""
        enabled = (base / "cgroup.subtree_control").read_text().split()
        wanted = [c for c in self._v2_controllers(base) if c not in enabled]
        if not wanted:
            return
        procs = (base / "cgroup.procs").read_text().split()
        if procs:
            leaf = base / "xcoder-judge-init"
            leaf.mkdir(exist_ok=True)
            log.info("moving %d process(es) from %s into %s to enable controllers", len(procs), base, leaf)
            for pid in procs:
                try:
                    self._write(leaf / "cgroup.procs", pid)
                except OSError:
                    pass  # exited meanwhile
        self._write(base / "cgroup.subtree_control", " ".join("+" + c for c in wanted))

    @staticmethod
    def _write(path: Path, value: str) -> None:
        with open(path, "w") as f:
            f.write(value)

    def create_slot(self, index: int) -> SlotGroups:
        groups = SlotGroups()
        for name in ("run", "aux"):
            group_name = f"slot-{index}-{name}"
            if self.mode == "v2":
                d = self.bases[""] / self.tag / group_name
                _mkdir_searchable(d)
                groups.dirs.append(d)
                files: dict = {}
                for f in ("memory.max", "memory.swap.max", "memory.peak", "memory.current",
                          "memory.events", "pids.max", "cpu.stat"):  # fmt: skip
                    if (d / f).exists():
                        files[f] = str(d / f)
                if self._v2_peak_resettable(d):
                    files |= {"procs": [str(d / "cgroup.procs")], "members": str(d / "cgroup.procs")}
                else:
                    # a fresh child group per run, made by the box (box_cgroup.py): its memory.peak
                    # is the run's own; the slot itself then holds no process
                    self._write(d / "cgroup.subtree_control", "+memory")
                    files["per_run"] = str(d)
            else:
                dirs = {}
                for c, base in self.bases.items():
                    d = base / self.tag / group_name
                    _mkdir_searchable(d)
                    groups.dirs.append(d)
                    dirs[c] = d
                mem, pids, cpu = dirs["memory"], dirs["pids"], dirs["cpuacct"]
                files = {
                    "procs": [str(d / "cgroup.procs") for d in dirs.values()],
                    "members": str(mem / "cgroup.procs"),
                    "memory.limit_in_bytes": str(mem / "memory.limit_in_bytes"),
                    "memory.max_usage_in_bytes": str(mem / "memory.max_usage_in_bytes"),
                    "memory.usage_in_bytes": str(mem / "memory.usage_in_bytes"),
                    "memory.oom_control": str(mem / "memory.oom_control"),
                    "pids.max": str(pids / "pids.max"),
                    "cpuacct.usage": str(cpu / "cpuacct.usage"),
                }
                if (mem / "memory.memsw.limit_in_bytes").exists():
                    files["memory.memsw.limit_in_bytes"] = str(mem / "memory.memsw.limit_in_bytes")
            groups.files[name] = {"mode": self.mode, "files": files}
        return groups

    @staticmethod
    def _v2_peak_resettable(group: Path) -> bool:
        """Whether memory.peak takes "reset" (Linux 6.12+); true where there is none to reset."""
        peak = group / "memory.peak"
        if not peak.exists():
            return True
        try:
            with open(peak, "w") as f:
                f.write("reset\n")
        except OSError:
            return False
        return True

    def remove_slot(self, groups: SlotGroups) -> None:
        for d in groups.dirs:
            _remove_tree(d)  # with the runs' child groups, if any

    def close(self) -> None:
        for base in set(self.bases.values()):
            _remove_tree(base / self.tag)
        for fd in self._locks:
            os.close(fd)
        self._locks.clear()
        if self.mode == "v2":
            init = self.bases[""] / "xcoder-judge-init"
            try:
                if not (init / "cgroup.procs").read_text().split():
                    init.rmdir()
            except OSError:
                pass  # still holds processes (this worker's own), or never made


def _mkdir_searchable(d: Path) -> None:
    """mkdir, then mode 0755 whatever the worker's umask: a box in its own user namespace is not
    root of these directories, and reads its group's files through them (cgroup.procs)."""
    d.mkdir(exist_ok=True)
    d.chmod(0o755)
