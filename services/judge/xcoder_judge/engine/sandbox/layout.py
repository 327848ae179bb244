"""What a box's root file system contains: read-only system directories and nothing private.

The root is an empty tmpfs; only these paths are bound in, read-only. Notably absent: /home,
/root (except toolchain directories the registry asks for), /var, /run, /sys, /work and any
judge configuration. /proc is the box's own; /dev holds only null, zero, full, random, urandom.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")

# Files and directories under /etc that runtimes read (dynamic loader, alternatives, JDK
# configuration, time zone). Everything else in /etc stays out.
ETC_ENTRIES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/java-*",
    "/etc/ssl/openssl.cnf",
)

PROGS_MOUNT = "/.xcoder-progs"  # the slot's tmpfs of artifact copies, made by the box (box_fs.py)
PCH_MOUNT = "/pch"  # a bind of the node's PCH tmpfs (pch_mount.py), its root "/" in mountinfo

PROGRAM_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "TZ": "UTC",  # local time is the same on every node, whatever its /etc/localtime says
}


def system_binds() -> tuple[list[tuple[str, str, bool]], dict[str, str]]:
    """Read-only binds of the system directories, and the merged-/usr symlinks as on the host."""
    binds: list[tuple[str, str, bool]] = []
    symlinks: dict[str, str] = {}
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            symlinks[d] = os.readlink(d)
        elif os.path.isdir(d):
            binds.append((d, d, False))
    for pattern in ETC_ENTRIES:
        for path in sorted(glob.glob(pattern)):
            binds.append((path, path, False))
    return binds, symlinks


def extra_binds(paths: list[str]) -> list[tuple[str, str, bool]]:
    """Toolchain directories outside the system dirs (a pyenv Python, a rustup sysroot)."""
    covered = [d for d in SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)]
    out = []
    for p in sorted(set(paths)):
        real = os.path.realpath(p)
        if any(real == c or real.startswith(c + "/") for c in covered):
            continue
        if os.path.exists(real) and (real, real, False) not in out:
            out.append((real, real, False))
    return out


def etc_files() -> dict[str, str]:
    return {"hosts": "127.0.0.1 localhost box\n::1 localhost\n", "hostname": "box\n"}


def prepare_artifacts_dir(path: Path) -> None:
    """Root-owned, traversable but not listable: a program can only open its own artifact."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, 0, 0)
    path.chmod(0o711)
