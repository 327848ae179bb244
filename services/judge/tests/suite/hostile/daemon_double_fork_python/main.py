import ctypes
import os
import signal
import sys
import time


def leftover_daemons():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "xcleftover":
                        found.append(pid)
            except OSError:
                pass
    return found


a, b = map(int, input().split())
print(a + b)
print("DIRTY: a daemon from an earlier run is visible" if leftover_daemons() else "clean", flush=True)
if os.path.exists("/tmp/xcleftover.heartbeat") or os.path.exists("xcleftover.heartbeat"):
    print("DIRTY: heartbeat file from an earlier run", flush=True)

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"xcleftover", 0, 0, 0)  # PR_SET_NAME
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE, signal.SIGUSR1):
            signal.signal(s, signal.SIG_IGN)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        while True:
            for path in ("/tmp/xcleftover.heartbeat", "xcleftover.heartbeat"):
                try:
                    with open(path, "w") as f:
                        f.write(str(time.time()))
                except OSError:
                    pass
            time.sleep(0.05)
    os._exit(0)
os.wait()
