"""Precompiled <bits/stdc++.h> per C++ language, built once per compiler version.

Most competitive C++ includes bits/stdc++.h, which alone takes over a second to parse. The PCH
is built outside the sandbox (it compiles only a system header, nothing submitted) with exactly
the flags submissions are compiled with, and lives in <cache>/pch/<language>/bits/. Compiles
pass -I/pch/<language>; GCC uses the .gch when it is valid and silently falls back otherwise,
so after building (or reusing) one, `used()` asks GCC (`-H -Winvalid-pch`) whether a compile
with the submission flags really loads it; a PCH GCC would ignore is reported and not offered.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

from xcoder_judge.engine.languages import Toolchain

log = logging.getLogger(__name__)


def pch_flags(tc: Toolchain) -> list[str]:
    """The compile command's flags that affect a PCH's validity (no output, input or -I/pch)."""
    assert tc.language.compile is not None
    flags, skip = [], False
    for part in tc.language.compile[1:]:
        if skip:
            skip = False
            continue
        if part == "-o":
            skip = True
        elif part.startswith("-I/pch") or not part.startswith("-"):
            continue
        else:
            flags.append(part)
    return flags


def find_header(tc: Toolchain, header: str) -> str | None:
    proc = subprocess.run(
        [tc.tools["cxx"], "-x", "c++", "-E", "-H", "-o", os.devnull, "-"],
        input=f"#include <{header}>\n".encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    for line in proc.stderr.decode(errors="replace").splitlines():
        if line.startswith(". ") and line.endswith(header):
            return line[2:].strip()
    return None


def used(tc: Toolchain, root: Path) -> tuple[bool, str]:
    """Whether a compile with the submission flags loads the PCH under root (and GCC's word)."""
    lang = tc.language
    assert lang.pch_header
    proc = subprocess.run(
        [
            tc.tools["cxx"],
            *pch_flags(tc),
            "-Winvalid-pch",
            "-H",
            "-fsyntax-only",
            f"-I{root / lang.id}",
            "-x",
            "c++",
            "-",
        ],
        input=f"#include <{lang.pch_header}>\n".encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    text = proc.stderr.decode(errors="replace")
    gch = os.path.basename(lang.pch_header) + ".gch"
    return any(line.startswith("! ") and line.endswith(gch) for line in text.splitlines()), text


def build(tc: Toolchain, root: Path) -> Path | None:
    """Build (or reuse) the PCH for one C++ language and check GCC uses it; its path or None."""
    target = _build(tc, root)
    if target is None:
        return None
    ok, text = used(tc, root)
    if not ok:
        log.warning("pch: GCC does not use %s with %s: %s", target, pch_flags(tc), text[-2000:])
        return None
    return target


def _build(tc: Toolchain, root: Path) -> Path | None:
    """Build (or reuse) the PCH for one C++ language; returns its path or None."""
    lang = tc.language
    if not lang.pch_header:
        return None
    target_dir = root / lang.id / os.path.dirname(lang.pch_header)
    target = target_dir / (os.path.basename(lang.pch_header) + ".gch")
    flags = pch_flags(tc)
    stamp = root / lang.id / "stamp.json"
    want = {"compiler": tc.tools["cxx"], "version": tc.version, "flags": flags}
    try:
        if target.exists() and json.loads(stamp.read_text()) == want:
            return target
    except (OSError, ValueError):
        pass
    header = find_header(tc, lang.pch_header)
    if header is None:
        log.info("pch: %s has no %s; compiling without a PCH", lang.id, lang.pch_header)
        return None
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    proc = subprocess.run(
        [tc.tools["cxx"], *flags, "-x", "c++-header", header, "-o", str(tmp)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        log.warning("pch: building %s failed: %s", lang.id, proc.stderr.decode(errors="replace")[-2000:])
        tmp.unlink(missing_ok=True)
        return None
    tmp.chmod(0o644)
    tmp.rename(target)
    stamp.write_text(json.dumps(want))
    for p in (root, root / lang.id, target_dir):
        p.chmod(0o755)
    log.info("pch: built %s (%.0f MiB)", target, target.stat().st_size / 2**20)
    return target
