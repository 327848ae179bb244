# --- probe helpers (each hostile case carries its own copy) ---------------------------------
# A probe is an attempt that must fail inside the sandbox. Each prints one line:
# "<name>: blocked (<why>)" or "<name>: ALLOWED". The last line is "contained" when every probe
# failed, else "ESCAPED <names>". Nothing read from the host is ever printed.
import os as _os
import sys as _sys

_escaped = []


def probe(name, attempt):
    try:
        detail = attempt()
    except BaseException as e:  # noqa: BLE001 - any failure means blocked
        print(f"{name}: blocked ({type(e).__name__}: {getattr(e, 'strerror', None) or e})", flush=True)
        return
    if detail is False:
        print(f"{name}: blocked (no effect)", flush=True)
        return
    print(f"{name}: ALLOWED{'' if detail in (None, True) else ' ' + str(detail)}", flush=True)
    _escaped.append(name)


def probe_in_child(name, attempt):
    """Run the attempt in a forked child, so a seccomp kill (SIGSYS) counts as blocked too."""
    _sys.stdout.flush()
    pid = _os.fork()
    if pid == 0:
        try:
            ok = attempt()
        except BaseException as e:  # noqa: BLE001
            print(f"{name}: blocked ({type(e).__name__}: {getattr(e, 'strerror', None) or e})", flush=True)
            _os._exit(1)
        _os._exit(0 if ok is not False else 1)
    _, status = _os.waitpid(pid, 0)
    if _os.WIFEXITED(status) and _os.WEXITSTATUS(status) == 0:
        print(f"{name}: ALLOWED", flush=True)
        _escaped.append(name)
    elif _os.WIFSIGNALED(status):
        print(f"{name}: blocked (signal {_os.WTERMSIG(status)})", flush=True)
    elif _os.WEXITSTATUS(status) == 1:
        pass  # the child printed why
    else:
        print(f"{name}: blocked (exit {_os.WEXITSTATUS(status)})", flush=True)


def finish():
    print("contained" if not _escaped else "ESCAPED " + " ".join(_escaped), flush=True)


# --- the case ---------------------------------------------------------------------------------
import os


def write(path, text):
    def attempt():
        with open(path, "w") as f:
            f.write(text)
        return True
    return attempt


def rewrite(path):
    def attempt():
        with open(path) as f:
            current = f.read()  # write back what is there: harmless if it were allowed
        with open(path, "w") as f:
            f.write(current)
        return True
    return attempt


me = str(os.getpid())
for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpu,cpuacct",
             "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"):
    probe(f"join {root}", write(f"{root}/cgroup.procs", me))
    probe(f"release_agent in {root}", rewrite(f"{root}/release_agent"))
try:
    own = [line.strip().split(":", 2) for line in open("/proc/self/cgroup")]
except OSError:
    own = []
for _hier, controllers, path in own:
    for ctl in controllers.split(",") or [""]:
        base = f"/sys/fs/cgroup/{ctl}{path}" if ctl else f"/sys/fs/cgroup{path}"
        probe(f"raise {base}/memory.limit_in_bytes", write(f"{base}/memory.limit_in_bytes", "-1"))
        probe(f"raise {base}/memory.max", write(f"{base}/memory.max", "max"))
        probe(f"raise {base}/pids.max", write(f"{base}/pids.max", "max"))
        probe(f"notify_on_release in {base}", write(f"{base}/notify_on_release", "1"))
probe("mount a cgroup hierarchy", lambda: os.system("mount -t cgroup -o memory none /tmp 2>/dev/null") == 0 or False)
finish()
blocks = [b"m" * (16 << 20) for _ in range(32)]
print("ESCAPED: 512 MiB allocated under 128 MiB", flush=True)
