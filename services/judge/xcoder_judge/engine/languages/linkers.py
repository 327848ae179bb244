"""Which linker the GCC driver uses for C and C++ programs (`-fuse-ld`), chosen once per node.

Measured on a bits/stdc++.h A+B object (docs/benchmarks.md): GNU ld (bfd) ~80 ms of CPU per
link, gold ~28, lld ~37, mold ~22. `auto` takes the fastest one installed. mold and lld run
single-threaded (a compile is one of many on the node; its slot's process limit counts
threads) and mold does not fork a helper that outlives the link.
"""

from __future__ import annotations

import shutil

from xcoder_judge.engine.languages.base import SEARCH_PATH

ARGS: dict[str, tuple[str, ...]] = {
    "mold": ("-fuse-ld=mold", "-Wl,--no-fork", "-Wl,--threads=1"),
    "lld": ("-fuse-ld=lld", "-Wl,--threads=1"),
    "gold": ("-fuse-ld=gold",),
    "bfd": (),  # the driver's default, GNU ld
}
PREFERENCE = ("mold", "lld", "gold")


def present(name: str) -> bool:
    """GCC finds `-fuse-ld=NAME` as `ld.NAME` on its path."""
    return name == "bfd" or shutil.which(f"ld.{name}", path=SEARCH_PATH) is not None


def pick(setting: str) -> str:
    """The linker to use: the one configured (when installed), else the fastest installed."""
    if setting != "auto":
        if not present(setting):
            raise ValueError(f"linker {setting!r} is configured but ld.{setting} is not installed")
        return setting
    return next((name for name in PREFERENCE if present(name)), "bfd")
