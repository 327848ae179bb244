"""Why the box sweeps SysV IPC instead of giving each run an IPC namespace: a forked child that
exits at once (plain), the same plus the box's sweep (three reads of /proc/sysvipc, what
`remove_sysv_objects` does when nothing is left), a child that first takes a fresh IPC
namespace, and one that also takes a mount namespace and unmounts two points (what the solution
beside an interactor does). Rounds are interleaved, in one process.

    sudo .venv/bin/python bench/judge_engine/bench_run_namespaces.py [--n 400] [--rounds 5]

The mount case copies this host's mount table, which is larger than a box's: an upper bound.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import time

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
libc = ctypes.CDLL(None, use_errno=True)


def child(kind: str) -> None:
    if kind in ("ipc", "ipc+mnt"):
        flags = CLONE_NEWIPC | (CLONE_NEWNS if kind == "ipc+mnt" else 0)
        if libc.unshare(flags) != 0:
            os._exit(1)
        fd = os.open("/proc/sys/kernel/shm_rmid_forced", os.O_WRONLY)
        os.write(fd, b"1")
        os.close(fd)
        if kind == "ipc+mnt":
            for p in (b"/nonexistent-aux", b"/nonexistent-store"):
                libc.umount2(p, 2)
    os._exit(0)


def one_round(kind: str, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            child(kind)
        _, status = os.waitpid(pid, 0)
        assert status == 0, kind
        if kind == "sweep":  # read only: this is the host's namespace, nothing is removed
            for table in ("shm", "msg", "sem"):
                with open("/proc/sysvipc/" + table, "rb") as f:
                    f.read()
    return (time.perf_counter() - t) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (unshare)")
    kinds = ("plain", "sweep", "ipc", "ipc+mnt")
    samples: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.rounds):
        for k in kinds:
            samples[k].append(one_round(k, args.n))
    base = statistics.median(samples["plain"])
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds x {args.n} forks, median µs per child"
    )
    for k in kinds:
        med = statistics.median(samples[k])
        print(f"{k:8s} {med:8.1f} µs   +{med - base:7.1f} µs   x{med / base:.2f}")


if __name__ == "__main__":
    main()
