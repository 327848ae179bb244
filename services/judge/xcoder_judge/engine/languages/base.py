"""What a language is to the judge: how to find its toolchain, compile and run it.

Each language module defines one `Language`. Commands are argv templates; `{name}` fields are
filled from the toolchain found at start-up (`{cc}`, `{java}` …) and from the run's limits
(`{heap_mb}`, `{stack_mb}`, `{jvm_stack_mb}`, `{node_stack_kb}`, `{main_class}`) and from where the artifact is
mounted (`{prog}`: /prog, or /aux for an interactor). Programs are compiled in /box. A compile
argument that is exactly `{sources}` becomes the main source file followed by the submission's
extra files that the compiler takes (`compiles`: e.g. every `*.java`), so a multi-file program
builds in one command; other extra files (headers) are only present beside it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from xcoder_wire.languages import aliases_of

SEARCH_PATH = ":".join(
    [os.environ.get("PATH", ""), "/usr/local/bin", "/usr/bin", "/bin", os.path.expanduser("~/.cargo/bin")]
)
SOURCES = "{sources}"  # a compile argument that expands to the files to compile


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
    python_harness: bool = False  # supports call and assert tests
    pch_header: str | None = None  # header to precompile (C++)
    links: bool = False  # the compile command links through the GCC driver (takes -fuse-ld)
    mle_markers: tuple[bytes, ...] = ()  # stderr text meaning the runtime ran out of memory
    source_name: Callable[[str], str] | None = None  # file name derived from the source (Java)
    extra_binds: Callable[[dict[str, str]], tuple[str, ...]] | None = None
    resolve_tools: Callable[[dict[str, str]], dict[str, str]] | None = None  # e.g. past a rustup proxy
    self_test: str = ""  # a program that copies stdin to stdout
    compiles: tuple[str, ...] = ()  # globs: extra files the compiler takes as sources
    entry_class: Callable[[str], str] | None = None  # JVM class to start, from the source

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
