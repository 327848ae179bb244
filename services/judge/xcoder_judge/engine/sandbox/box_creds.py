"""The box's credentials: its own user namespace where the kernel allows it, else fewer caps.

Part of the box (stdlib only, Python 3.8: it runs under the solution interpreter). The box
sets its slot up as the worker's root (stage 1: cgroup and launcher descriptors, the root file
system, pivot_root, hostname), then leaves that power behind (stage 2, `Privilege.drop`):

- **user namespace** (the default where the kernel allows it): the box unshares a user, mount
  and IPC namespace at once; the keeper, its parent outside, writes the id maps (`KeeperSide`):
  inside uid/gid 0 is an unprivileged host id of its own (`userns_map`), the program and
  checker uids map to themselves. Taking the box over then gives an unprivileged host user.
  Mounts made in stage 1 are locked in the new mount namespace (they cannot be unmounted one
  by one); the per-run mounts are made in stage 2 and are the box's own.
- **fallback** (turned off, or refused by the kernel): the box stays host root but keeps only
  BOX_CAPS (effective and permitted) and an empty bounding set.

Either way the keeper then drops to the box's host uid (in the fallback keeping only CAP_KILL).
"""

import ctypes
import errno
import os

from box_os import (
    CLONE_NEWIPC,
    CLONE_NEWNS,
    PR_CAPBSET_DROP,
    _check,
    cap_words,
    capset_inheritable,
    libc,
    own_cap_data,
    prctl,
)

CLONE_NEWUSER = 0x10000000
PR_SET_KEEPCAPS = 8
PR_SET_NO_NEW_PRIVS = 38

CAP_NAMES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)  # fmt: skip
CAP_KILL = 5
# What the box still needs after set-up, in either mode: per-run mounts and the children's
# unshare (SYS_ADMIN, which also removes a run's SysV objects), the children's uid drop and the
# work files' fsuid (SETUID, SETGID), killing a run's processes (KILL), reading and sweeping
# files the program made unreadable (DAC_OVERRIDE).
BOX_CAPS = (21, 7, 6, 5, 1)

# keeper <-> box, one byte each on a pipe pair
ASK_MAPS = b"U"  # box: I am in my user namespace, write my maps
NO_USERNS = b"F"  # box: no user namespace (off, or refused): drop yourself
MAPS_DONE = b"M"  # keeper: the maps are written
SWITCHED = b"D"  # box: I am root of my namespace now (the keeper may drop to my host uid)


def userns_map(ids):
    """uid_map / gid_map text for {inside id: host id}: one id per line, written in one write."""
    return "".join("%d %d 1\n" % (inside, outside) for inside, outside in sorted(ids.items()))


def cap_names(mask):
    return [CAP_NAMES[i] if i < len(CAP_NAMES) else "CAP_%d" % i for i in range(64) if mask >> i & 1]


def own_caps(field="CapEff"):
    """This process's capability set (CapEff, CapPrm, CapBnd ...) as a bit mask."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1], 16)
    return 0


def empty_bounding_set():
    """No capability can come back through an execve (needs CAP_SETPCAP: a container's root
    without it keeps the bounding set its runtime gave, which the report then shows)."""
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            return  # EINVAL: past the last capability this kernel knows; EPERM: no CAP_SETPCAP


def keep_caps(caps):
    """Keep `caps` (numbers) in the effective and permitted sets and at most those in the
    inheritable one (which the C launcher takes: launcher.CAPS); drop every other."""
    hdr, data = own_cap_data()
    wanted = cap_words(caps)
    for i in range(2):
        data[i].permitted &= wanted[i]
        data[i].effective = data[i].permitted
        data[i].inheritable &= wanted[i]
    _check(libc.capset(ctypes.byref(hdr), data), "capset")


class MapsRefused(OSError):
    """The keeper could not write the box's id maps: the box is in a user namespace it cannot
    use, so it gives up; the worker starts it again without one (auto) or refuses (on)."""


def _read1(fd):
    while True:
        try:
            return os.read(fd, 1)
        except InterruptedError:
            continue


class Privilege:
    """The box's end: enter its user namespace (with the keeper's help) or reduce its caps."""

    def __init__(self, to_keeper, from_keeper, userns):
        self.to_keeper = to_keeper  # pipe fds (None when the box has no keeper: not isolated)
        self.from_keeper = from_keeper
        self.userns = userns  # the worker's plan: {"map": ..., "host_uid": U} or {"off": reason}
        self.in_userns = False
        self.reason = None  # why there is no user namespace

    def drop(self, inheritable=()):
        """Stage 2: after it the box holds BOX_CAPS, on the host or (better) in its own user
        namespace as an unprivileged host uid. `inheritable`: the caps the C launcher takes,
        granted before the bounding set is emptied (the kernel allows none outside it)."""
        plan = self.userns or {"off": "no user namespace was planned"}
        if "off" in plan:
            self.reason = plan["off"]
        else:
            try:
                _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC), "unshare(CLONE_NEWUSER)")
            except OSError as e:
                self.reason = "the kernel refused a user namespace (%s)%s" % (
                    e.strerror,
                    _refusal_hint(e.errno),
                )
            else:
                self._become_root()
                self.in_userns = True
        if not self.in_userns:
            self._tell(NO_USERNS)
        if inheritable:  # a new user namespace starts with an empty inheritable set
            capset_inheritable(inheritable)
        empty_bounding_set()
        keep_caps(BOX_CAPS)
        self._close()

    def _become_root(self):
        self._tell(ASK_MAPS)
        answer = os.read(self.from_keeper, 256)
        if answer != MAPS_DONE:
            raise MapsRefused(
                errno.EPERM,
                "the keeper could not write the box's id maps (%s)"
                % (answer.decode(errors="replace") or "it died"),
            )
        os.setgroups([])  # host groups (root's) must not follow the box in
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
        self._tell(SWITCHED)

    def _tell(self, what):
        if self.to_keeper is not None:
            os.write(self.to_keeper, what)

    def _close(self):
        for fd in (self.to_keeper, self.from_keeper):
            if fd is not None:
                os.close(fd)
        self.to_keeper = self.from_keeper = None

    def report(self):
        """What the box tells the worker once it is ready."""
        return {"userns": self.in_userns, "userns_reason": self.reason, "caps": cap_names(own_caps())}


def _refusal_hint(err):
    if err == errno.EPERM:
        return ": a seccomp profile (Docker's default, for a container without CAP_SYS_ADMIN) or an LSM denies it"
    if err == errno.ENOSPC:
        return ": user.max_user_namespaces is 0 or used up"
    return ""


class KeeperSide:
    """The keeper's end: write the box's id maps on request, then drop to the box's host uid."""

    def __init__(self, proc_fd, from_box, to_box, userns):
        self.proc_fd = proc_fd  # the host's /proc, opened before the box pivots away from it
        self.from_box = from_box
        self.to_box = to_box
        self.userns = userns or {}

    def serve(self, child):
        """Answer the box until it has its credentials (or dies), then drop privileges."""
        in_userns = False
        what = _read1(self.from_box)
        if what == ASK_MAPS:
            try:
                self.write_maps(child)
            except OSError as e:  # e.g. no CAP_SETUID/CAP_SETGID here: the box gives up (MapsRefused)
                os.write(self.to_box, ("maps: %s" % e).encode()[:200])
            else:
                os.write(self.to_box, MAPS_DONE)
                in_userns = _read1(self.from_box) == SWITCHED
        for fd in (self.from_box, self.to_box, self.proc_fd):
            os.close(fd)
        host_uid = self.userns.get("host_uid")
        if host_uid is not None:
            drop_keeper(host_uid, keep_kill=not in_userns)

    def write_maps(self, child):
        ids = {int(k): v for k, v in self.userns["map"].items()}
        for name in ("uid_map", "gid_map"):  # /proc/<pid>/setgroups stays "allow": a privileged writer
            fd = os.open("%d/%s" % (child, name), os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.proc_fd)
            try:
                os.write(fd, userns_map(ids).encode())
            finally:
                os.close(fd)


def drop_keeper(uid, keep_kill):
    """The keeper becomes `uid` (the box's host uid) with no groups; with `keep_kill` (the box is
    still host root) it keeps CAP_KILL alone, to pass SIGTERM on as SIGKILL."""
    if os.geteuid() != 0:
        return
    empty_bounding_set()
    if keep_kill:
        prctl(PR_SET_KEEPCAPS, 1)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    keep_caps((CAP_KILL,) if keep_kill else ())
    prctl(PR_SET_NO_NEW_PRIVS, 1)
