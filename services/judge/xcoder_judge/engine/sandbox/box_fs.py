"""The file system a slot's programs see, as the box process builds and keeps it.

Runs in the box process (stdlib only, Python 3.8: it runs under the solution interpreter).
It may touch the box's own mount namespace: once at set-up a minimal read-only root behind
pivot_root, then per run a fresh /box, /tmp and /dev/shm and the artifact bound at /prog or
/aux. No bind shows a host directory of the judge (mountinfo prints a bind's root): artifacts
are copied into the slot's own tmpfs (prog_cache.py) and the PCH lives on a tmpfs of its own
(pch_mount.py). Without isolation (no mount namespace) nothing is mounted; the box's paths are
translated to the host directories they stand for instead (`host_path`).
"""

import errno
import os
import platform
import socket

import prog_cache
from box_os import (
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    SYS_PIVOT_ROOT,
    _b,
    _check,
    libc,
    mount,
    scratch_state,
    scratch_untouched,
    umount,
)

PROGS_MOUNT = "/.xcoder-progs"  # the slot's tmpfs of artifact copies (layout.py)
DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH = (("/box", 0o755, None), ("/tmp", 0o1777, 0), ("/dev/shm", 0o1777, 0))  # None: the run's uid


class BoxFs:
    def __init__(self, cfg):
        self.cfg = cfg
        self.isolated = cfg["isolate"]
        self.box_dir = "/box" if self.isolated else cfg["box_dir"]
        self.tmpfs_size = cfg.get("tmpfs_mb", 256)
        self.scratch = {}  # mount point -> (owner, scratch_state when fresh) of the tmpfs mounted there
        self.progs = {}  # /prog, /aux -> artifact key bound there
        self.host_paths = {dst: src for src, dst, _ in cfg.get("binds", []) if src != dst}
        self.artifacts = cfg.get("artifacts")  # the worker's artifact store (a host path)
        self.prog_cache = None  # prog_cache.ProgCache once set up (isolated only)
        self.store_fd = None  # O_PATH descriptor of the artifact store (isolated only)

    # ------------------------------------------------------------------ one-time set-up

    def setup_root(self):
        """A tmpfs root with the configured binds, devices, /proc and /etc; pivot into it."""
        cfg = self.cfg
        root = cfg["root"]
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        os.makedirs(root, exist_ok=True)
        mount("xcoder-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
        for link, target in cfg.get("symlinks", {}).items():
            os.symlink(target, root + link)
        for src, dst, writable in cfg["binds"]:
            bind(src, root + dst, writable)
        make_dev(root + "/dev")
        for d in ("/proc", "/tmp", "/box", "/prog", "/aux", "/dev/shm", PROGS_MOUNT):
            os.makedirs(root + d, exist_ok=True)
        os.chmod(root + "/tmp", 0o1777)
        for name, text in cfg.get("etc", {}).items():
            path = root + "/etc/" + name
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        try:
            mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
        except OSError:
            mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        if self.artifacts:  # the artifact store, opened before pivot_root hides it
            self.store_fd = os.open(self.artifacts, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        pivot_into(root)
        socket.sethostname(cfg.get("hostname", "box"))

    def setup_progs(self):
        """The slot's tmpfs of artifact copies, made by the box once it has its final
        credentials (a mount made before entering a user namespace is locked there, its owner
        unmapped): the copies are then the box's own.

        Its root is root's alone (0700): a program reaches a copy only through the bind at
        /prog or /aux, never another program's copy by its key.
        """
        store_fd = self.store_fd
        mb = self.cfg.get("progs_mb", 256)
        os.makedirs(PROGS_MOUNT, exist_ok=True)
        opts = "size=%dm,mode=0700,uid=0,gid=0" % (2 * mb + 512)  # room for one big program more
        mount("xcoder-progs", PROGS_MOUNT, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        dst = os.open(PROGS_MOUNT, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if store_fd is not None:
            self.prog_cache = prog_cache.ProgCache(store_fd, dst, mb << 20)

    # --------------------------------------------------------------------- per run

    def fresh(self, uid):
        """An empty /box, /tmp and /dev/shm for every run: nothing survives from the last one.

        A scratch file system that is provably untouched (same usage, owner, mode, extended
        attributes and timestamps: see scratch_state) is kept; anything else is replaced.
        """
        if not self.isolated:
            import shutil  # only here: a warm solution's sys.modules should not gain it

            shutil.rmtree(self.box_dir, ignore_errors=True)
            os.makedirs(self.box_dir, mode=0o755)
            if os.geteuid() == 0:
                os.chown(self.box_dir, uid, uid)
            return
        for path, mode, owner in SCRATCH:
            owner = uid if owner is None else owner
            kept = self.scratch.get(path)
            if kept and kept[0] == owner and scratch_untouched(path, kept[1]):
                continue
            umount(path)
            opts = "size=%dm,mode=%o,uid=%d,gid=%d" % (self.tmpfs_size, mode, owner, owner)
            mount("xcoder-" + path.strip("/").replace("/", "-"), path, "tmpfs", MS_NOSUID | MS_NODEV, opts)
            self.scratch[path] = (owner, scratch_state(path))

    def bind_prog(self, mount_point, key):
        """Show one compiled artifact, read-only, at /prog (the program) or /aux (its interactor)."""
        if not self.isolated:
            self.progs[mount_point] = key  # no mounts: paths are translated instead
            return
        if self.progs.get(mount_point) == key:
            return
        if mount_point not in ("/prog", "/aux"):
            raise ValueError("artifacts mount at /prog or /aux, not %r" % mount_point)
        umount(mount_point)
        self.progs.pop(mount_point, None)
        if key:
            if self.prog_cache is None:
                raise ValueError("no artifact store configured")
            pinned = [k for k in self.progs.values() if k]
            name = self.prog_cache.get(key, pinned)  # validates the key
            mount(PROGS_MOUNT + "/" + name, mount_point, None, MS_BIND)
            flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
            mount(None, mount_point, None, flags)
            self.progs[mount_point] = key

    def hidden_from(self, spec):
        """Mount points a process must not see: the judge's side of its run.

        While an interactor is bound at /aux, the solution beside it gets its own mount
        namespace without /aux and without the slot's copies (whose keys /proc/self/mountinfo
        would give away); the interactor's code and data are then not reachable by any path.
        """
        if not self.isolated or spec.get("uid", "main") != "main" or not self.progs.get("/aux"):
            return []
        return ["/aux", PROGS_MOUNT]

    def host_path(self, text):
        """Without a mount namespace: the host path a box path (/box, /prog, /pch …) stands for."""
        if self.isolated or not isinstance(text, str):
            return text
        mapping = {"/box": self.box_dir}
        mapping.update(self.host_paths)
        artifacts = self.artifacts
        for mount_point, key in self.progs.items():
            if key and artifacts:
                mapping[mount_point] = os.path.join(artifacts, key)
        for virtual, real in mapping.items():
            for prefix in ("", "-I"):
                head = prefix + virtual
                if text == head or text.startswith(head + "/"):
                    return prefix + real + text[len(head) :]
        return text


def bind(src, target, writable):
    if os.path.isdir(src):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(src, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV
    if not writable:
        flags |= MS_RDONLY
    mount(None, target, None, flags)


def make_dev(dev):
    """A /dev of the harmless character devices, the std* links and an empty shm directory."""
    os.makedirs(dev, exist_ok=True)
    mount("xcoder-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        open(dev + "/" + name, "a").close()
        mount("/dev/" + name, dev + "/" + name, None, MS_BIND)
        mount(None, dev + "/" + name, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC)
    for link, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, dev + "/" + link)
    os.mkdir(dev + "/shm")


def pivot_into(root):
    """Make `root` the root of this mount namespace, drop the old one and make it read-only."""
    old = root + "/.oldroot"
    os.mkdir(old)
    if SYS_PIVOT_ROOT is None:
        raise OSError(errno.ENOSYS, "pivot_root: unknown architecture " + platform.machine())
    _check(libc.syscall(SYS_PIVOT_ROOT, _b(root), _b(old)), "pivot_root")
    os.chdir("/")
    umount("/.oldroot")
    os.rmdir("/.oldroot")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
