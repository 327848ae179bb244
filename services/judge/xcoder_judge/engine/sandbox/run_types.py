"""The worker's types for a sandbox run: what to run, under which limits, and what came back.

Imported by the worker side only (slot.py encodes them for the box, judge.py builds and reads
them); the box sees them as the JSON that slot.py writes. Not `types.py`: the box runs with this
directory first on sys.path, where that name would shadow the standard library's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class ProcLimits:
    cpu: float
    wall: float
    mem: int  # bytes, whole process tree
    stack: int  # bytes
    fsize: int  # bytes
    nofile: int
    nproc: int
    output: int  # bytes a stream may carry before the run is killed (OLE)
    stdout_keep: int  # bytes of stdout returned
    stderr_keep: int  # bytes of stderr returned

    def wire(self) -> dict[str, Any]:
        return {
            "cpu": self.cpu,
            "wall": self.wall,
            "mem": self.mem,
            "stack": self.stack,
            "fsize": self.fsize,
            "nofile": self.nofile,
            "nproc": self.nproc,
            "output": self.output,
            "stdout_keep": self.stdout_keep,
            "stderr_keep": self.stderr_keep,
        }


@dataclass
class Proc:
    """One process of a run: exec an argv, or (kind "py") run a Python file in a warm child."""

    limits: ProcLimits
    kind: Literal["exec", "py"] = "exec"
    argv: list[str] = field(default_factory=list)
    py_mode: Literal["script", "compile", "tester"] = "script"  # tester: pytester.py's main()
    py_path: str = ""
    py_args: list[str] = field(default_factory=list)  # sys.argv[1:] of a warm program
    compile_as: str | None = None  # final path of a Python file compiled in /box
    harness: Literal["call", "assert"] | None = None
    stdin: bytes | None = None
    capture_stdout: bool = True  # False: stdout is wired elsewhere (interactive problems)
    fds_in: dict[int, bytes] = field(default_factory=dict)
    result_fd: int | None = None
    pipes_to: dict[int, tuple[int, int]] = field(default_factory=dict)  # my fd -> (process, its fd)
    env: dict[str, str] = field(default_factory=dict)
    uid: Literal["main", "aux"] = "main"
    cgroup: Literal["run", "aux"] = "run"


@dataclass
class ProcReport:
    exit_code: int | None
    signal: int | None
    cpu_s: float
    wall_s: float
    mem_kb: int
    oom: bool
    killed_for: str | None  # one of protocol.KILLED_* (None: not killed)
    stdout: bytes
    stderr: bytes
    result: bytes
    stdout_len: int
    stderr_len: int
    setup_error: str | None
    ended: float = 0.0  # the supervisor's monotonic clock when the process was reaped


@dataclass
class RunRequest:
    """A batch of runs of one program: `runs[i]` is one test (one process, or two wired)."""

    runs: list[list[Proc]]
    progs: dict[str, str | None] = field(default_factory=dict)  # /prog, /aux -> artifact key
    files_in: dict[str, bytes] = field(default_factory=dict)  # written into every run's /box
    collect: list[str] = field(default_factory=list)  # /box files returned after the last run
    stop_on_failure: bool = False  # end the batch after a run that did not exit cleanly


@dataclass
class RunResult:
    reports: list[list[ProcReport]]  # per run done (fewer than asked after an early stop)
    files: dict[str, tuple[bytes, int]]  # name -> (content, mode)


@dataclass
class BoxConfig:
    """What every box of a worker shares; per-slot fields are filled in by Slot."""

    python: str
    isolate: bool
    binds: list[tuple[str, str, bool]]
    symlinks: dict[str, str]
    etc: dict[str, str]
    env: dict[str, str]
    seccomp: bytes
    preload: list[str]
    work_dir: Path
    artifacts_dir: Path | None = None  # the artifact store the box copies programs from
    tmpfs_mb: int = 256
    progs_mb: int = 256  # copies of artifacts a slot keeps (prog_cache.py)
    launcher: str | None = None  # the C launcher binary (launcher_build.py); None: the Python path
