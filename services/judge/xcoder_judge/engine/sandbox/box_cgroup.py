"""One slot cgroup as the box sees it (stdlib only; part of the box, see box.py).

Its files are opened before pivot_root, when cgroupfs is still in sight, and read and written
through those descriptors afterwards. v1 and v2 differ in file names and in how counters reset.
"""

import os


class Cgroup:
    """One slot cgroup as the box sees it: open file descriptors, opened before pivot_root."""

    def __init__(self, mode, files):
        self.mode = mode
        self.procs = [os.open(p, os.O_WRONLY | os.O_CLOEXEC) for p in files.get("procs", [])]
        self.fds = {}
        for name, path in files.items():
            if name not in ("procs", "members"):
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
        if self._members is None:
            return []
        fd = os.open(self._members[1], os.O_RDONLY | os.O_CLOEXEC, dir_fd=self._members[0])
        try:
            return [pid for pid in map(int, os.read(fd, 1 << 20).split()) if pid > 0]
        finally:
            os.close(fd)

    def join(self):
        for fd in self.procs:
            os.write(fd, b"0")

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
            if "memory.peak" in self.fds:
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
        elif "memory.peak" in self.fds:
            peak = int(self._read("memory.peak"))
        else:
            peak = int(self._read("memory.current"))
        return max(0, peak - self.mem_base)

    def oom_kills(self):
        name = "memory.oom_control" if self.mode == "v1" else "memory.events"
        return self._counter(name, "oom_kill") - self.oom_base
