"""A compile in two halves, worker side: the plan (what to compile, its cache key, the command),
decided before anything runs, and the reading of what the compile run gave.

Between the two the judge runs the plan's request in a slot (`Judge._compile`); on a cache hit
only the plan's key is used. Neither half touches the sandbox or the cache.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

from xcoder_wire.schemas import CompileLimits

from xcoder_judge.engine.compile_cache import Artifact, cache_key
from xcoder_judge.engine.languages import Language, Toolchain, linkers
from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import Proc, ProcLimits, RunRequest, RunResult

MiB = 1 << 20
COMPILE_OUTPUT_CAP = 16 << 10
KEY_VERSION = "v1"  # bump to orphan every cached artifact when what a build makes changes


@dataclass
class Program:
    """A built program and how to start it."""

    toolchain: Toolchain
    artifact: Artifact

    @property
    def language(self) -> Language:
        return self.toolchain.language


@dataclass(frozen=True)
class CompilePlan:
    """One compile, decided: the key it is cached under and the request that builds it."""

    toolchain: Toolchain
    key: str
    name: str  # the main source's file name in /box
    source: str
    limits: CompileLimits
    files_in: dict[str, bytes]  # written into /box: the source, the extra files, the harness
    proc: Proc
    collect: tuple[str, ...]  # globs of /box files kept as the program

    def request(self) -> RunRequest:
        return RunRequest([[self.proc]], files_in=self.files_in, collect=list(self.collect))


@dataclass(frozen=True)
class CompileRead:
    """What a compile run gave: the program's files, or why there is none."""

    ok: bool
    output: str  # the compiler's output (capped), or the reason it failed
    files: dict[str, tuple[bytes, int]]
    meta: dict[str, str]
    system_error: bool = False  # the sandbox failed, not the compiler: never cached
    limit: str | None = None  # "cpu", "wall" or "memory": the request's limit ended the compile


def compile_limits(limits: CompileLimits, processes: int) -> ProcLimits:
    return ProcLimits(
        cpu=limits.time_s,
        wall=limits.time_s * 2 + 5,
        mem=limits.memory_mb * MiB,
        stack=64 * MiB,
        fsize=256 * MiB,
        nofile=512,
        nproc=processes,
        output=16 * MiB,
        stdout_keep=COMPILE_OUTPUT_CAP,
        stderr_keep=COMPILE_OUTPUT_CAP,
    )


def plan_compile(
    tc: Toolchain,
    source: str,
    files: Mapping[str, str],
    limits: CompileLimits,
    *,
    pch: bool,
    linker: str,
    python_warm: bool,
) -> CompilePlan:
    """The plan for `source` with its extra `files` on this node (its PCH, its linker, whether
    Python runs warm: each changes what the build makes, so each is in the key)."""
    lang = tc.language
    name = lang.file_name(source)
    template = lang.compile_template(pch, linkers.ARGS[linker])
    harness = lang.harness_files()
    key = cache_key(
        KEY_VERSION, lang.id, tc.version, tc.tools, template, lang.compiles, name, source, sorted(files.items()),
        lang.harness_digest(), python_warm,
    )  # fmt: skip
    files_in = {fname: text.encode() for fname, text in files.items()}
    files_in[name] = source.encode()
    files_in.update(harness)
    plimits = compile_limits(limits, lang.compile_processes)
    if lang.warm:  # a code object made by the box's own interpreter (sandbox/pyrunner.py)
        proc = Proc(
            limits=plimits, kind="py", py_mode="compile", py_path=f"/box/{name}", compile_as=f"/prog/{name}"
        )
    else:
        proc = Proc(limits=plimits, argv=tc.compile_argv(template, name, files), env=dict(lang.compile_env))
    return CompilePlan(tc, key, name, source, limits, files_in, proc, tuple(lang.collected(name, files)))


def limited_key(plan: CompilePlan) -> str:
    """Where a compile that a limit ended is cached: under this request's limits too, so a later
    request with other limits compiles again instead of getting a CE it would not have got."""
    return cache_key(plan.key, plan.limits.time_s, plan.limits.memory_mb)


def read_compile(plan: CompilePlan, res: RunResult) -> CompileRead:
    """The program, or the compile error, from the compile run's report and files."""
    rep = res.reports[0][0]
    if rep.setup_error:
        return CompileRead(False, rep.setup_error, {}, {}, system_error=True)
    output = (rep.stderr + rep.stdout).decode("utf-8", "replace")[:COMPILE_OUTPUT_CAP]
    limits = plan.limits
    reason = limit = None
    if rep.killed_for in protocol.TIME_KILLS or rep.cpu_s > limits.time_s:
        reason = f"compilation exceeded the time limit ({limits.time_s:g} s)"
        limit = "wall" if rep.killed_for == protocol.KILLED_WALL else "cpu"
    elif rep.oom:
        reason = f"compilation exceeded the memory limit ({limits.memory_mb} MiB)"
        limit = "memory"
    elif rep.killed_for in protocol.OUTPUT_KILLS:
        reason = "compiler output exceeded its limit"
    elif rep.exit_code != 0 or rep.signal is not None:
        reason = ""
    elif not res.files:
        reason = "the compiler produced no program"
    if reason is not None:
        text = (reason + "\n" + output).strip() if reason else output.strip() or "compilation failed"
        return CompileRead(False, text, {}, {}, limit=limit)
    # What went in comes back as it went in: a check step that runs code (`perl -c` runs
    # BEGIN blocks) must not rewrite the program it checked, e.g. to embed work done there.
    kept = {
        n: (data, 0o644)
        for n, data in plan.files_in.items()
        if any(fnmatch.fnmatchcase(n, g) for g in plan.collect)
    }
    meta = plan.toolchain.language.artifact_meta(plan.source)
    return CompileRead(True, output, {**res.files, **kept}, meta)
