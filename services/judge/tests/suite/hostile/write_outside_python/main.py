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
import site
import sysconfig

name = "xcoder-pwned-{{TOKEN}}"


def create(directory):
    def attempt():
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"pwned")
        os.close(fd)
        return f"(created {path})"
    return attempt


def append(path):
    def attempt():
        with open(path, "ab") as f:
            f.write(b"")
        return "(opened for writing)"
    return attempt


targets = ["/", "/etc", "/usr", "/usr/lib", "/usr/local/bin", "/bin", "/lib", "/home", "/var",
           "/var/tmp", "/opt", "/run", "/root", "/work", "{{REPO}}", "{{REPO}}/.venv",
           "{{SITE_PACKAGES}}", "{{STDLIB}}", "{{WORK_DIR}}", "{{CACHE_DIR}}", "/dev", "/proc", "/sys",
           os.path.dirname(os.__file__), sysconfig.get_paths()["purelib"], *site.getsitepackages()]
for directory in dict.fromkeys(targets):
    probe(f"create in {directory}", create(directory))
for path in (os.__file__, "/etc/passwd", "/etc/hosts", "/etc/ld.so.preload", "/proc/self/exe", "/proc/1/exe",
             "/etc/ld.so.cache"):
    probe(f"write {path}", append(path))
probe("mkdir /xcoder-pwned", lambda: os.mkdir("/" + name) or True)
# /tmp is the program's own private /tmp: allowed here, but the host's /tmp must not change.
open(f"/tmp/{name}", "w").write("private")
finish()
