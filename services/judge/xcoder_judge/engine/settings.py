"""The engine's own settings: sandbox slots, directories, uids, languages, compile features.

The service's `Settings` (xcoder_judge/config.py) reads these with every other knob from the
`XCODER_JUDGE_*` environment: it extends this model, so each engine field is defined once, here.
The engine keeps only this part (`EngineSettings.of`): it never holds the Redis URL or API keys.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from xcoder_judge.engine.sandbox.scheduling import Policy


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xcoder-judge"


def _default_work_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/run/xcoder-judge")
    return Path(tempfile.gettempdir()) / f"xcoder-judge-{os.geteuid()}"


class EngineSettings(BaseModel):
    slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=512)
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    work_dir: Path = Field(default_factory=_default_work_dir)
    sandbox_uid: int = Field(60000, ge=1000, le=2**31 - 1024)
    cgroup: Literal["auto", "v2", "v1", "none"] = "auto"
    box_userns: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Whether each slot's box runs as root of its own user namespace, mapped to an "
        "unprivileged host uid (`sandbox_uid` + 20000 + slot), after its set-up: `auto` where the "
        "kernel allows it (else the box stays host root with five capabilities, and "
        "/v1/capabilities says why), `on` refuses to start without it, `off` never tries.",
    )
    python: str | None = Field(None, description="Interpreter for python3 submissions.")
    languages: str | None = Field(None, description="Comma-separated allow-list of language ids.")
    python_warm: bool = Field(True, description="Run python3 from a warm pre-forked interpreter.")
    pch: bool = Field(True, description="Use a precompiled <bits/stdc++.h> for C++.")
    linker: Literal["auto", "mold", "lld", "gold", "bfd"] = Field(
        "auto",
        description="Linker for C and C++ programs: `auto` takes the fastest installed (mold, lld, "
        "gold), `bfd` is GNU ld (the compiler's default).",
    )
    launcher: Literal["auto", "c", "python"] = Field(
        "auto",
        description="How exec-kind programs (C, C++, Go, ...) are started: `c` spawns the small C "
        "launcher (built at start-up with the system cc; start-up fails if it cannot be), `python` "
        "forks the box's Python and confines from there, `auto` takes `c` when it builds and "
        "otherwise warns once and takes `python`. Warm Python always forks.",
    )
    self_test: bool = Field(True, description="Drop languages whose echo self-test fails at start-up.")
    compile_cache_mb: int = Field(4096, ge=64, description="Size of the on-disk compile cache.")
    progs_cache_mb: int = Field(
        256,
        ge=0,
        description="Per slot: memory for the copies of compiled programs its box keeps (a program "
        "is copied into the slot's own tmpfs, never bound from the host cache, whose path a bind would "
        "show; a kept copy is not copied again). 0 keeps only the programs bound now.",
    )
    scheduling: Policy = Field(
        "fair",
        description="Which waiting request a free slot runs next: `fair` (interactive first; runs of "
        "built programs before compiles, one compile lane kept open; then callers and submissions "
        "in turn), `mixed` (`fair` with compiles in their submission's turn) or `fifo` (oldest "
        "submission first).",
    )

    @classmethod
    def of(cls, settings: EngineSettings) -> EngineSettings:
        """Just the engine's fields of `settings` (which may be the whole service `Settings`)."""
        if type(settings) is cls:
            return settings
        return cls.model_validate({name: getattr(settings, name) for name in cls.model_fields})

    @property
    def language_allow_list(self) -> frozenset[str] | None:
        if not self.languages:
            return None
        return frozenset(x.strip() for x in self.languages.split(",") if x.strip())
