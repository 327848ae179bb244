"""The forker's fast path for exec-kind programs: posix_spawn of the C launcher (launcher.c).

A forked Python child pays for the fork of the whole interpreter and for a copy-on-write fault
on every page its confinement steps touch (about 1 ms per test). The launcher takes the same
steps in the same order (confine.become) from a `confine.Plan`, rendered here as its options;
posix_spawn (a vfork) starts it without copying anything. Warm Python still forks: it needs the
interpreter's memory.

Part of the box (stdlib only, Python 3.8). At set-up, before pivot_root, the box opens the
launcher and the seccomp filter (`Launcher.open`); when it drops its privileges (box_creds.py)
it grants those of CAPS it keeps; the forker it forks inherits them and spawns (`spawn`).
"""

import os

from box_os import capset_inheritable

# What the launcher must be able to do as root: join cgroups, set rlimits above the box's hard
# limits, unmount in a namespace of its own, change uid and gid. The forker's bounding set is
# empty, so a root execve keeps exactly the inheritable set (capabilities(7)): those of these
# the box still holds after set-up (box_creds.BOX_CAPS: not DAC_READ_SEARCH, SYS_RESOURCE).
CAPS = (
    1,  # CAP_DAC_OVERRIDE (cgroup.procs files, whoever owns them)
    2,  # CAP_DAC_READ_SEARCH
    6,  # CAP_SETGID
    7,  # CAP_SETUID
    21,  # CAP_SYS_ADMIN (unshare, umount: hidden mount points)
    24,  # CAP_SYS_RESOURCE (rlimits)
)


class Launcher:
    """The launcher binary and the seccomp filter, as descriptors every spawn passes on."""

    def __init__(self, exe_fd, bpf_fd):
        self.exe_fd = exe_fd
        self.exe = "/proc/self/fd/%d" % exe_fd  # the child's own copy of the descriptor
        self.bpf_fd = bpf_fd
        self.caps_granted = False  # this process's inheritable set holds CAPS

    @classmethod
    def open(cls, path, seccomp_bpf):
        """In the box, before pivot_root hides the worker's cache directory (raises OSError)."""
        exe_fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        bpf_fd = None
        if seccomp_bpf:
            bpf_fd = os.memfd_create("xcoder-seccomp", os.MFD_CLOEXEC)
            os.write(bpf_fd, seccomp_bpf)
        return cls(exe_fd, bpf_fd)

    def granted(self, inheritable):
        """The box has put `inheritable` (CAPS it holds) in its inheritable set (box_creds)."""
        self.caps_granted = bool(inheritable)

    def disable(self):
        """Give the inheritable capabilities back: every program then starts the Python way."""
        if self.caps_granted:
            capset_inheritable(())
            self.caps_granted = False

    def spawn(self, plan):
        """Start the launcher that becomes plan's program; return its pid.

        Every descriptor the launcher needs is duplicated, in the child only, to a number above
        all of plan's sources and targets, so its dup2s never clobber a source still to come.
        """
        path, argv, env = plan.exec
        cg = plan.cg
        sources = [fd for fd, _ in plan.dup] + [plan.err_w]
        if cg is not None:
            sources += cg.procs + ([cg.dir_fd] if cg.dir_fd is not None else [])
        if self.bpf_fd is not None:
            sources.append(self.bpf_fd)
        base = max(sources + plan.keep) + 1
        actions = []

        def place(fd):
            new = base + len(actions)
            actions.append((os.POSIX_SPAWN_DUP2, fd, new))
            return str(new)

        args = [self.exe]
        if cg is not None:
            if cg.dir_fd is not None:
                args += ["-C", place(cg.dir_fd)]
            for fd in cg.procs:
                args += ["-c", place(fd)]
        for res, soft, hard in plan.rlimits:
            args += ["-r", "%d:%d:%d" % (res, soft, hard)]
        for fd, target in plan.dup:
            args += ["-d", "%s:%d" % (place(fd), target)]
        err = place(plan.err_w)
        targets = {target for _, target in plan.dup}
        for fd in plan.keep:  # the error pipe is kept at its new number (and at its old one only
            if fd != plan.err_w or fd in targets:  # where that is also a target)
                args += ["-k", str(fd)]
        args += ["-k", err]
        for mount_point in plan.hide:
            args += ["-h", mount_point]
        args += ["-w", plan.box_dir, "-u", str(plan.uid), "-e", err]
        if self.bpf_fd is not None:
            args += ["-s", place(self.bpf_fd)]
        args += ["--", path]
        args += argv
        return os.posix_spawn(self.exe, args, env, file_actions=actions)
