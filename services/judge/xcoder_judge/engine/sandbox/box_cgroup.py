"""One slot cgroup as the box sees it (stdlib only; part of the box, see box.py).

Its files are opened before pivot_root, when cgroupfs is still in sight, and read and written
through those descriptors afterwards. v1 and v2 differ in file names and in how counters reset.

cgroup v2 before Linux 6.12 cannot reset memory.peak, so a slot's peak would be its lifetime
peak. There the worker hands over the slot's directory ("per_run") instead of its cgroup.procs:
before every run the box removes the slot's child group `run` and makes it anew (through a
descriptor of the directory), so its memory.peak is that run's alone; limits, CPU time and OOM
kills stay on the slot, whose counters include the child. The forker's copy of this object is
stale, so joining goes by the child's name, never by a descriptor opened for one run.
"""

import os

RUN = "run"  # the per-run child group of a slot (per_run mode)


class Cgroup:
    """One slot cgroup as the box sees it: open file descriptors, opened before pivot_root."""

    def __init__(self, mode, files):
        self.mode = mode
        self.procs = [os.open(p, os.O_WRONLY | os.O_CLOEXEC) for p in files.get("procs", [])]
        self.fds = {}
        for name, path in files.items():
            if name not in ("procs", "members", "per_run"):
                self.fds[name] = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        self.last = {}
        for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            if name in self.fds:
                self.last[name] = int(self._read(name))
        # The directory is opened now (after pivot_root cgroupfs is out of sight); cgroup.procs is
        # reopened on every read, because cgroup v1 caches the list per open file.
        self._members = None
        if files.get("members"):
            d, name = os.path.split(files["members"])
            self._members = (os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), name)
        self.cpu_base = 0.0
        self.oom_base = 0
        self.mem_base = 0
        self.dir_fd = None  # the slot's directory when each run gets a fresh child group
        self.child = None  # (directory fd, memory.peak fd) of this run's child (box side)
        self.child_base = 0  # what memory.peak held when the child could not be made anew
        if files.get("per_run"):
            self.dir_fd = os.open(files["per_run"], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def _read(self, name):
        return os.pread(self.fds[name], 4096, 0).decode()

    def _write(self, name, value):
        if name in self.fds and self.last.get(name) != value:
            os.pwrite(self.fds[name], str(value).encode(), 0)
            self.last[name] = value

    def _counter(self, name, key):
        for line in self._read(name).splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
        return 0

    def members(self):
        """Pids in the cgroup (host view); used to kill leftovers when there is no PID namespace."""
        if self.dir_fd is not None:
            where = (self.dir_fd, RUN + "/cgroup.procs")
        elif self._members is not None:
            where = self._members
        else:
            return []
        try:
            fd = os.open(where[1], os.O_RDONLY | os.O_CLOEXEC, dir_fd=where[0])
        except FileNotFoundError:
            return []  # per_run: no run yet
        try:
            return [pid for pid in map(int, os.read(fd, 1 << 20).split()) if pid > 0]
        finally:
            os.close(fd)

    def join(self):
        if self.dir_fd is not None:
            fd = os.open(RUN + "/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.dir_fd)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)
        for fd in self.procs:
            os.write(fd, b"0")

    def _mkdir_child(self):
        os.mkdir(RUN, 0o755, dir_fd=self.dir_fd)

    def _rmdir_child(self):
        os.rmdir(RUN, dir_fd=self.dir_fd)

    def _fresh_child(self):
        """Make the slot's `run` child anew for this run (per_run mode).

        A second process of the same run (the child still has members) shares it. Should the old
        one still be busy (nothing of a run survives its sweep, so it should not), it is kept and
        this run's peak is read relative to it, as on v1.
        """
        if self.child is not None:
            if self.members():
                return
            for fd in self.child:
                os.close(fd)
            self.child = None
        fresh = True
        try:
            self._rmdir_child()
        except FileNotFoundError:
            pass
        except OSError:
            fresh = False
        if fresh:
            self._mkdir_child()
        d = os.open(RUN, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=self.dir_fd)
        peak = os.open("memory.peak", os.O_RDONLY | os.O_CLOEXEC, dir_fd=d)
        self.child = (d, peak)
        self.child_base = 0 if fresh else int(os.pread(peak, 64, 0))

    def prepare(self, mem_bytes, pids):
        """Set limits (only when they change) and take the counters' starting points."""
        if self.mode == "v1":
            if mem_bytes > self.last.get("memory.limit_in_bytes", 0):
                self._write("memory.memsw.limit_in_bytes", mem_bytes)
                self._write("memory.limit_in_bytes", mem_bytes)
            else:
                self._write("memory.limit_in_bytes", mem_bytes)
                self._write("memory.memsw.limit_in_bytes", mem_bytes)
            self._write("pids.max", pids)
            os.pwrite(self.fds["cpuacct.usage"], b"0", 0)
            os.pwrite(self.fds["memory.max_usage_in_bytes"], b"0", 0)
            self.mem_base = int(self._read("memory.usage_in_bytes"))
            self.oom_base = self._counter("memory.oom_control", "oom_kill")
        elif self.mode == "v2":
            self._write("memory.max", mem_bytes)
            self._write("memory.swap.max", 0)
            self._write("pids.max", pids)
            self.cpu_base = self._counter("cpu.stat", "usage_usec") / 1e6
            if self.dir_fd is not None:
                self._fresh_child()
            elif "memory.peak" in self.fds:
                try:
                    os.pwrite(self.fds["memory.peak"], b"reset\n", 0)
                except OSError:
                    pass
            self.mem_base = int(self._read("memory.current"))
            self.oom_base = self._counter("memory.events", "oom_kill")

    def cpu(self):
        if self.mode == "v1":
            return int(self._read("cpuacct.usage")) / 1e9
        return self._counter("cpu.stat", "usage_usec") / 1e6 - self.cpu_base

    def peak_bytes(self):
        if self.mode == "v1":
            peak = int(self._read("memory.max_usage_in_bytes"))
        elif self.child is not None:
            return max(0, int(os.pread(self.child[1], 64, 0)) - self.child_base)
        elif "memory.peak" in self.fds:
            peak = int(self._read("memory.peak"))
        else:
            peak = int(self._read("memory.current"))
        return max(0, peak - self.mem_base)

    def oom_kills(self):
        name = "memory.oom_control" if self.mode == "v1" else "memory.events"
        return self._counter(name, "oom_kill") - self.oom_base
