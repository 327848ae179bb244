"""Build the C launcher (launcher.c) once per source and compiler, at worker start.

Runs in the worker (Sandbox.start): it may write only its own directory under the cache dir.
The binary is static, so its exec maps no shared libraries and it runs inside any box root.
A missing or failing compiler is not fatal: the caller falls back to the Python path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("launcher.c")
CFLAGS = ("-O2", "-static", "-Wall", "-Wextra", "-Werror")
BUILD_TIMEOUT_S = 120


class LauncherUnavailable(RuntimeError):
    """No C compiler, or launcher.c did not build with it."""


def build(cache_dir: Path, cc: str = "cc") -> Path:
    """Path of the launcher built from this source by `cc`, compiling it if not cached."""
    compiler = shutil.which(cc)
    if compiler is None:
        raise LauncherUnavailable(f"no C compiler ({cc!r} is not on PATH)")
    try:
        version = subprocess.run(
            [compiler, "-dumpfullversion", "-dumpmachine"],
            capture_output=True,
            timeout=BUILD_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise LauncherUnavailable(f"{compiler} does not answer: {e}") from None
    key = hashlib.sha256(SOURCE.read_bytes() + b"\0" + " ".join(CFLAGS).encode() + b"\0" + version)
    out = cache_dir / "launcher" / f"xcoder-launch-{key.hexdigest()[:20]}"
    if out.is_file() and os.access(out, os.X_OK):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    try:
        r = subprocess.run(
            [compiler, *CFLAGS, "-o", str(tmp), str(SOURCE)],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        if r.returncode != 0:
            raise LauncherUnavailable(f"{compiler} failed on {SOURCE.name}: {r.stderr.strip()[:2000]}")
        os.chmod(tmp, 0o755)
        os.replace(tmp, out)  # atomic: workers building side by side each see a whole binary
    except (OSError, subprocess.SubprocessError) as e:
        raise LauncherUnavailable(f"building {SOURCE.name}: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out
