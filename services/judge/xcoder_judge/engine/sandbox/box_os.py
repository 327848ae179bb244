"""Operating-system calls the box needs and the standard library lacks (stdlib only).

Part of the box (see box.py): it runs under the solution interpreter, Python 3.8+.
"""

import ctypes
import errno
import math
import os
import platform
import re
import resource

libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_CAPBSET_DROP = 24
SECCOMP_MODE_FILTER = 2
F_SETPIPE_SZ = 1031

SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine())


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def _b(s):
    return None if s is None else s.encode()


def mount(source, target, fstype, flags, data=None):
    _check(libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), "mount " + target)


def umount(target):
    if libc.umount2(_b(target), MNT_DETACH) != 0 and ctypes.get_errno() not in (errno.EINVAL, errno.ENOENT):
        err = ctypes.get_errno()
        raise OSError(err, "umount %s: %s" % (target, os.strerror(err)))


def hide_mount(target):
    """Take `target` away from this mount namespace: unmount it, or, where it is locked (the box
    mounted it before entering its user namespace: EINVAL), cover it with an empty read-only
    tmpfs, which a process without capabilities cannot lift."""
    if libc.umount2(_b(target), MNT_DETACH) == 0 or ctypes.get_errno() == errno.ENOENT:
        return
    if ctypes.get_errno() != errno.EINVAL:
        err = ctypes.get_errno()
        raise OSError(err, "umount %s: %s" % (target, os.strerror(err)))
    mount("xcoder-hidden", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0")


def prctl(option, arg2, arg3=0):
    _check(libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), 0, 0), "prctl %d" % option)


WORK_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,127}")  # = schemas.FILE_NAME_PATTERN


def write_work_files(directory, files, uid):
    """Write request-supplied files into the work directory, each a new entry of it and nothing
    else, with the program's uid as the file system identity.

    The names were validated by the wire schema; they are checked again here, where a bad one
    would do harm: the box is root with a writable /proc. Each file is created through a
    descriptor of the directory with O_EXCL|O_NOFOLLOW, so no name, link or earlier file can
    redirect the write, and with fsuid/fsgid set to the program's uid (when `uid` is given), so
    the kernel checks the write as that uid would be checked and the file is the program's.
    """
    for name in files:
        if not WORK_FILE_NAME.fullmatch(name) or ".." in name:
            raise ValueError("bad work file name %r" % name[:200])
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if uid is not None:
            libc.setfsgid(uid)
            libc.setfsuid(uid)
            if libc.setfsuid(-1) != uid or libc.setfsgid(-1) != uid:  # -1: only report
                raise OSError(errno.EPERM, "setfsuid(%d) did not take" % uid)
        try:
            for name, data in files.items():
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                finally:
                    os.close(fd)
        finally:
            if uid is not None:
                libc.setfsuid(0)
                libc.setfsgid(0)
    finally:
        os.close(dir_fd)


IPC_RMID = 0


def remove_sysv_objects():
    """Remove every SysV shared memory segment, message queue and semaphore set of this IPC
    namespace; return how many there were.

    Called by the box after each run, in its own namespace: an object a run leaves would carry
    data to the next run and keep its pages charged to the slot's memory cgroup (an honest
    program after it would get MLE). Reading /proc/sysvipc costs three small reads per run; a
    fresh IPC namespace per run costs a new mqueue mount each time (about 2 ms here).
    POSIX message queues need no sweep: RLIMIT_MSGQUEUE is 0, so a run cannot create one.
    """
    removed = 0
    for kind in ("shm", "msg", "sem"):
        with open("/proc/sysvipc/" + kind, "rb") as f:
            rows = f.read().splitlines()[1:]
        for row in rows:
            ident = int(row.split()[1])
            if kind == "shm":
                rc = libc.shmctl(ident, IPC_RMID, None)
            elif kind == "msg":
                rc = libc.msgctl(ident, IPC_RMID, None)
            else:
                rc = libc.semctl(ident, 0, IPC_RMID)
            if rc != 0 and ctypes.get_errno() not in (errno.EINVAL, errno.EIDRM):
                raise OSError(ctypes.get_errno(), "cannot remove SysV %s %d" % (kind, ident))
            removed += 1
    return removed


def scratch_state(path):
    """Everything about a scratch file system that one run can change and the next can observe.

    Usage (a file created, data written), the root's owner and mode, its extended attributes,
    and its three timestamps: `utimensat` on a writable directory, or just creating and removing
    an entry, would otherwise carry values from one run to the next through a kept tmpfs.
    """
    vfs = os.statvfs(path)
    st = os.stat(path)
    return (
        vfs.f_bfree,
        vfs.f_ffree,
        st.st_uid,
        st.st_gid,
        st.st_mode,
        st.st_atime_ns,
        st.st_mtime_ns,
        st.st_ctime_ns,
        tuple(sorted(os.listxattr(path))),
    )


def scratch_untouched(path, fresh_state):
    """The scratch is exactly as it was when mounted, so keeping it cannot carry anything."""
    try:
        return scratch_state(path) == fresh_state
    except OSError:
        return False


def find_recursion_counter():
    """Address of this thread's recursion budget (CPython), or None.

    A warm program runs inside exec() above the box's bottom frame, so it would start with
    less budget than the module of a fresh interpreter (which starts at limit - 1). The child
    sets the budget so the solution's module frame starts exactly there, and RecursionError
    strikes at the depth a fresh interpreter allows. The field is located and checked at run
    time (it must drop by one per frame and sit next to the limit); an interpreter with another
    layout (or PyPy) gets None and keeps a difference of a frame or two.
    """
    try:
        get = ctypes.pythonapi.PyThreadState_Get
    except AttributeError:
        return None
    get.restype = ctypes.c_void_p
    ts = get()
    limit = __import__("sys").getrecursionlimit()

    def snapshot():
        return (ctypes.c_int * 64).from_address(ts)[:]

    def deeper():
        return snapshot()

    a, b = snapshot(), deeper()
    for i in range(63):
        if a[i] - b[i] == 1 and a[i + 1] == limit == b[i + 1] and 0 < a[i] < limit:
            return ts + 4 * i
    return None


PROBE = compile("inside = counter.value", "<probe>", "exec")


def drop_capability_bounding_set():
    """Empty the bounding set once, in the forker: no program can ever regain a capability,
    whatever it executes (defence in depth on top of the uid drop and no_new_privs)."""
    if os.geteuid() != 0:
        return
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            # EINVAL: past the last capability this kernel knows. EPERM: no CAP_SETPCAP, as in
            # a container whose runtime already cut the bounding set down to what it granted.
            return


LINUX_CAPABILITY_VERSION_3 = 0x20080522


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def cap_words(caps):
    """`caps` (numbers) as the two 32-bit words capget/capset use."""
    wanted = [0, 0]
    for cap in caps:
        wanted[cap // 32] |= 1 << (cap % 32)
    return wanted


def own_cap_data():
    """(header, data) of this process's capabilities, as capget gives them."""
    hdr = CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (CapData * 2)()
    _check(libc.capget(ctypes.byref(hdr), data), "capget")
    return hdr, data


def capset_inheritable(caps):
    """Make those of `caps` (numbers) this process holds its inheritable set; the other sets
    stay as they are. A container's root may lack some (CAP_SYS_RESOURCE, often)."""
    hdr, data = own_cap_data()
    wanted = cap_words(caps)
    for i in range(2):
        data[i].inheritable = wanted[i] & data[i].permitted
    _check(libc.capset(ctypes.byref(hdr), data), "capset")


def vm_size():
    """Address space this interpreter already maps; a warm child starts with all of it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def fcntl_setpipe(fd, size=1 << 20):
    import fcntl

    fcntl.fcntl(fd, F_SETPIPE_SZ, size)


def close_all(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def rlimit_pairs(limits, cgroup, vm_base=0):
    """Rlimits the program cannot raise again; with cgroups, memory and pids live there instead."""
    cpu = math.ceil(limits["cpu"]) + 1
    pairs = [
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_STACK, limits["stack"], limits["stack"]),
        (resource.RLIMIT_FSIZE, limits["fsize"], limits["fsize"]),
        (resource.RLIMIT_NOFILE, limits["nofile"], limits["nofile"]),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_MEMLOCK, 0, 0),
        (resource.RLIMIT_MSGQUEUE, 0, 0),
    ]
    if not cgroup:
        pairs.append((resource.RLIMIT_AS, limits["mem"] + vm_base, limits["mem"] + vm_base))
        pairs.append((resource.RLIMIT_NPROC, limits["nproc"], limits["nproc"]))
    return pairs


def close_other_fds(keep):
    top = max(keep) + 1
    lo = 0
    for fd in sorted(keep):
        if fd > lo:
            os.closerange(lo, fd)
        lo = fd + 1
    os.closerange(top, 1 << 20)
