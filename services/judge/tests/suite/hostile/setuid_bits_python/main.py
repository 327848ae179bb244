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
import stat

# A setuid bit on our own file is allowed by chmod, but it must not mean anything: the work dir
# and /tmp are nosuid, or no_new_privs stops it. Any setuid-root binary in sight must be inert.
mounts = {}
with open("/proc/self/mountinfo") as f:
    for line in f:
        parts = line.split()
        mounts[parts[4]] = set(parts[5].split(","))


def mount_of(path):
    path = os.path.realpath(path)
    best = "/"
    for point in mounts:
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
            best = point
    return best


with open("/proc/self/status") as f:
    nnp = any(line.split() == ["NoNewPrivs:", "1"] for line in f)
for place in (os.getcwd(), "/tmp"):
    opts = mounts.get(mount_of(place), set())
    probe(f"{place} mounted without nosuid", lambda o=opts: "nosuid" not in o or False)
    probe(f"{place} mounted without nodev", lambda o=opts: "nodev" not in o or False)
with open("suid", "w") as f:
    f.write("#!/bin/sh\n")
try:
    os.chmod("suid", 0o6755)
except OSError:
    pass
found = []
for top in ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/lib/openssh", "/usr/lib/dbus-1.0"):
    for root, _dirs, files in os.walk(top):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID) and st.st_uid == 0:
                found.append(os.path.join(root, name))
print(f"setuid/setgid-root files visible: {len(found)}")
probe("setuid-root files usable (visible and no_new_privs unset)", lambda: bool(found and not nnp) or False)
finish()
