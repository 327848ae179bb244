"""The node's precompiled headers on a tmpfs of their own, which every box binds at /pch.

A bind's root, which /proc/self/mountinfo prints, is its path inside its file system: a bind
of <cache>/pch would show that host path to every program. The root of a tmpfs is "/", so the
worker mounts one (as root, where boxes are isolated), copies each PCH into it once it is built
and checked (`publish`), and the boxes bind that. Boxes started before a PCH is published see
it appear: a bind shares its file system. Without root nothing is mounted and /pch stands for
the cache directory itself (no mount namespace then hides anything anyway).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2
SIZE = "4g"  # an upper bound: a tmpfs holds only what is written to it


class PchMount:
    """Where boxes find the PCHs: a tmpfs at `path` (mounted) or the cache dir itself."""

    def __init__(self, cache_root: Path, mount_at: Path) -> None:
        self.cache_root = cache_root  # where pch.build writes (<cache>/pch)
        self.mount_at = mount_at
        self.mounted = False

    @property
    def path(self) -> Path:
        """The host directory that boxes bind at /pch."""
        return self.mount_at if self.mounted else self.cache_root

    def mount(self) -> None:
        """Mount the tmpfs (raises OSError; the caller falls back to the cache dir)."""
        self.mount_at.mkdir(parents=True, exist_ok=True)
        _call("mount", b"xcoder-pch", str(self.mount_at).encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
              f"size={SIZE},mode=0755".encode())  # fmt: skip
        self.mounted = True

    def publish(self, lang_id: str) -> None:
        """Copy one language's built PCH tree into the tmpfs (whole, then renamed into place)."""
        if not self.mounted:
            return
        src = self.cache_root / lang_id
        dst = self.mount_at / lang_id
        tmp = self.mount_at / f".{lang_id}.part"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp, copy_function=shutil.copyfile)
        for d, _dirs, _files in os.walk(tmp):
            os.chmod(d, 0o755)
            for f in _files:
                os.chmod(os.path.join(d, f), 0o644)
        if dst.exists():
            shutil.rmtree(dst)
        tmp.rename(dst)

    def close(self) -> None:
        if self.mounted:
            try:
                _call("umount2", str(self.mount_at).encode(), MNT_DETACH)
            except OSError as e:
                log.warning("pch: unmounting %s: %s", self.mount_at, e)
            self.mounted = False


def sweep_stale(work_root: Path) -> list[Path]:
    """Unmount the PCH tmpfs of workers that died without closing (`<work_root>/worker-<pid>/pch`
    whose pid is gone); return what was unmounted. A live pid's mount is left alone."""
    swept = []
    for d in sorted(work_root.glob("worker-*/pch")):
        try:
            pid = int(d.parent.name.removeprefix("worker-"))
        except ValueError:
            continue
        if pid == os.getpid() or not os.path.ismount(d) or _alive(pid):
            continue
        try:
            _call("umount2", str(d).encode(), MNT_DETACH)
        except OSError as e:
            log.warning("pch: a dead worker's %s stays mounted: %s", d, e)
            continue
        swept.append(d)
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _call(name: str, *args: object) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    argv = [ctypes.c_ulong(a) if isinstance(a, int) else a for a in args]
    if getattr(libc, name)(*argv) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")
