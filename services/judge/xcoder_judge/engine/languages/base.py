"""What a language is to the judge: how to find its toolchain, compile and run it.

Each language module defines one `Language`. Commands are argv templates; `{name}` fields are
filled from the toolchain found at start-up (`{cc}`, `{java}` …), from where the artifact is
mounted (`{prog}`: /prog, or /aux for an interactor), `{stack_mb}` (the test's stack), the
language's own knobs sized from the test's limits (`run_knobs`: `{heap_mb}`, `{jvm_stack_mb}`,
`{node_stack_kb}`) and `{main_class}` (`entry_class`, found in the source at compile time).
Programs are compiled in /box. A compile argument that is exactly `{sources}` becomes the main
source file followed by the submission's extra files that the compiler takes (`compiles`: e.g.
every `*.java`), so a multi-file program builds in one command; other extra files (headers) are
only present beside it.

Everything the judge needs to know per language is asked of the `Language` (or its
`Toolchain`): which files a build takes, keeps and reserves, the compile command for this
node's PCH and linker, the run command for a test's limits, how the Python harness starts.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from xcoder_wire.languages import aliases_of

from xcoder_judge.engine.languages.harness import HARNESS_DIGEST, HARNESS_FILES, HARNESS_SCRIPT

SEARCH_PATH = ":".join(
    [os.environ.get("PATH", ""), "/usr/local/bin", "/usr/bin", "/bin", os.path.expanduser("~/.cargo/bin")]
)
SOURCES = "{sources}"  # a compile argument that expands to the files to compile
PCH_INCLUDE = "-I/pch"  # the compile argument that finds a precompiled header (C++)
DEFAULT_ENTRY_CLASS = "Main"  # the JVM class started when the artifact names none

# What a language's run knobs are sized from: the test's memory and stack limits, in MiB.
RunKnobs = Callable[[int, int], dict[str, object]]


def heap_mb(memory_mb: int) -> int:
    """A runtime's own heap cap below the memory limit, so running out of heap is the runtime's
    error (reported as MLE by its `mle_markers`) before the kernel's OOM kill."""
    return max(32, int(memory_mb * 0.8) - 32)


def heap_knobs(memory_mb: int, stack_mb: int) -> dict[str, object]:
    """`{heap_mb}` for a runtime with a heap flag (PHP's memory_limit)."""
    return {"heap_mb": heap_mb(memory_mb)}


@dataclass(frozen=True)
class Toolchain:
    """A language as found on this node."""

    language: Language
    tools: dict[str, str]  # template name -> absolute path usable inside the box
    version: str
    bind_paths: tuple[str, ...] = ()  # directories outside /usr the box must see

    def fill(self, template: tuple[str, ...], sources: tuple[str, ...] = (), **values: object) -> list[str]:
        out: list[str] = []
        for part in template:
            if part == SOURCES:
                out.extend(sources)
            else:
                out.append(part.format(**self.tools, **values))
        return out

    def run_argv(self, prog: str, memory_mb: int, stack_mb: int, meta: Mapping[str, str]) -> list[str]:
        """The command that runs the program mounted at `prog` under a test's limits."""
        return self.fill(self.language.run, **self.language.run_values(prog, memory_mb, stack_mb, meta))

    def harness_argv(self, prog: str, kind: str) -> list[str]:
        """The command that runs a call or assert test's candidate side (sandbox/pyrunner.py)."""
        assert self.language.harness_tool is not None, self.language.id
        interp = self.tools[self.language.harness_tool]
        return [interp, f"{prog}/{HARNESS_SCRIPT}", kind, f"{prog}/{self.language.source_file}"]

    def compile_argv(self, template: tuple[str, ...], name: str, files: Mapping[str, str]) -> list[str]:
        """The compile command for the main source `name` and the extra files beside it."""
        return self.fill(template, sources=(name, *self.language.compiled_with(files)), source=name)


@dataclass(frozen=True)
class Language:
    id: str
    name: str
    source_file: str
    run: tuple[str, ...]
    tools: dict[str, tuple[str, ...]]  # template name -> executable names to look for
    version_cmd: tuple[str, ...]
    version_pattern: str = r"(\d+(?:\.\d+)+)"
    compile: tuple[str, ...] | None = None
    artifacts: tuple[str, ...] = ()  # /box files kept after compiling (globs)
    env: dict[str, str] = field(default_factory=dict)
    compile_env: dict[str, str] = field(default_factory=dict)
    compile_processes: int = 32
    warm: bool = False  # python3: runs in a forked interpreter
    harness_tool: str | None = None  # the tool (a Python) that runs call and assert tests
    pch_header: str | None = None  # header to precompile (C++)
    links: bool = False  # the compile command links through the GCC driver (takes -fuse-ld)
    mle_markers: tuple[bytes, ...] = ()  # stderr text meaning the runtime ran out of memory
    source_name: Callable[[str], str] | None = None  # file name derived from the source (Java)
    extra_binds: Callable[[dict[str, str]], tuple[str, ...]] | None = None
    resolve_tools: Callable[[dict[str, str]], dict[str, str]] | None = None  # e.g. past a rustup proxy
    self_test: str = ""  # a program that copies stdin to stdout
    compiles: tuple[str, ...] = ()  # globs: extra files the compiler takes as sources
    entry_class: Callable[[str], str] | None = None  # JVM class to start, from the source
    run_knobs: RunKnobs | None = None  # runtime flags sized from the limits (heap, stack)

    @property
    def python_harness(self) -> bool:
        """Call and assert tests run in this language (the harness is Python)."""
        return self.harness_tool is not None

    def harness_files(self) -> dict[str, bytes]:
        """The harness scripts a build of this language ships beside the program."""
        return HARNESS_FILES if self.python_harness else {}

    def harness_digest(self) -> str:
        """What of the harness the compile cache key holds ("" when none ships)."""
        return HARNESS_DIGEST if self.python_harness else ""

    @property
    def runs_from_source(self) -> bool:
        """The program is its source (an interpreter runs it): extra files travel with it."""
        return self.warm or self.source_file in self.artifacts

    def compiled_with(self, files: dict[str, str] | list[str]) -> list[str]:
        """The extra files (sorted) that `{sources}` passes to the compiler."""
        return sorted(f for f in files if any(fnmatch.fnmatchcase(f, g) for g in self.compiles))

    def reserved(self, name: str) -> bool:
        """A name an extra file may not take: the main source or something the build produces."""
        return any(fnmatch.fnmatchcase(name, g) for g in self.artifacts if g != self.source_file)

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other names of this language: one table for every package, in xcoder_wire.languages."""
        return aliases_of(self.id)

    @property
    def compiled(self) -> bool:
        return self.compile is not None

    def file_name(self, source: str) -> str:
        return self.source_name(source) if self.source_name else self.source_file

    def taken_file_name(self, source: str, files: Mapping[str, str]) -> str:
        """Why an extra file cannot be placed (it would replace the main source, the Python
        harness or something the build produces), or "". The submission is then a CE: it
        cannot be built."""
        main = self.file_name(source)
        taken = {main, main + "c", *self.harness_files()}
        for fname in sorted(files):
            if fname in taken or self.reserved(fname):
                return (
                    f"files: {fname!r} is a name the {self.id} build uses itself"
                    f" (the main source is {main}); rename the file"
                )
        return ""

    def compile_template(self, pch: bool, linker_args: tuple[str, ...]) -> tuple[str, ...]:
        """The compile command on this node: without the PCH include when no PCH is built,
        with the linker flags when the command links."""
        template = tuple(p for p in (self.compile or ()) if pch or not p.startswith(PCH_INCLUDE))
        return template + linker_args if self.links else template

    def collected(self, name: str, files: Mapping[str, str]) -> list[str]:
        """The /box files (globs) a compile keeps as the program; `name` is the main source."""
        # warm: the source, its code object and the harness
        out = [name, name + "c", *HARNESS_FILES] if self.warm else list(self.artifacts)
        if self.runs_from_source:  # an interpreter reads the other files at run time
            out += sorted(files)
        return out

    def artifact_meta(self, source: str) -> dict[str, str]:
        """What the run needs to know of the source, found once at compile time (the JVM class)."""
        return {"main_class": self.entry_class(source)} if self.entry_class else {}

    def run_values(
        self, prog: str, memory_mb: int, stack_mb: int, meta: Mapping[str, str]
    ) -> dict[str, object]:
        """The `{field}` values of the run command for a test's limits."""
        values: dict[str, object] = {"prog": prog, "stack_mb": stack_mb}
        if self.run_knobs:
            values.update(self.run_knobs(memory_mb, stack_mb))
        if self.entry_class:
            values["main_class"] = meta.get("main_class", DEFAULT_ENTRY_CLASS)
        return values

    def detect(self, overrides: dict[str, str] | None = None) -> Toolchain | None:
        """Find the tools and the version; None when the toolchain is not installed."""
        overrides = overrides or {}
        tools: dict[str, str] = {}
        for key, names in self.tools.items():
            found = overrides.get(key) or next(
                (p for n in names if (p := shutil.which(n, path=SEARCH_PATH))), None
            )
            if not found:
                return None
            tools[key] = found
        if self.resolve_tools:
            try:
                tools = self.resolve_tools(tools)
            except (OSError, subprocess.SubprocessError, KeyError):
                return None
        tools = {k: os.path.realpath(v) for k, v in tools.items()}
        try:
            proc = subprocess.run(
                [part.format(**tools) for part in self.version_cmd],
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        if proc.returncode != 0:
            return None
        m = re.search(self.version_pattern, text)
        version = m.group(1) if m else text.strip().splitlines()[0] if text.strip() else "unknown"
        binds = tuple(os.path.dirname(os.path.dirname(p)) for p in tools.values())
        if self.extra_binds:
            try:
                binds += self.extra_binds(tools)
            except (OSError, subprocess.SubprocessError):
                return None
        return Toolchain(self, tools, version, binds)
