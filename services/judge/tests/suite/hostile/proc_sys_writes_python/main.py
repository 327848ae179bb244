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
def rewrite(path, text=None):
    def attempt():
        value = text
        if value is None:
            with open(path) as f:
                value = f.read()  # write back what is there: harmless if it were allowed
        with open(path, "w") as f:
            f.write(value)
        return True
    return attempt


probe("/proc/sysrq-trigger (h = help)", rewrite("/proc/sysrq-trigger", "h"))
probe("/proc/sys/kernel/core_pattern", rewrite("/proc/sys/kernel/core_pattern"))
probe("/proc/sys/kernel/modprobe", rewrite("/proc/sys/kernel/modprobe"))
probe("/proc/sys/kernel/hostname", rewrite("/proc/sys/kernel/hostname"))
probe("/proc/sys/vm/overcommit_memory", rewrite("/proc/sys/vm/overcommit_memory"))
probe("/proc/sys/kernel/panic", rewrite("/proc/sys/kernel/panic"))
probe("/proc/self/oom_score_adj = -1000", rewrite("/proc/self/oom_score_adj", "-1000"))


def rewrite_selected(path):
    def attempt():
        with open(path) as f:
            current = f.read().split("[", 1)[1].split("]", 1)[0]  # "always [madvise] never"
        with open(path, "w") as f:
            f.write(current)
        return True
    return attempt


probe("/sys/kernel/mm/transparent_hugepage/enabled", rewrite_selected("/sys/kernel/mm/transparent_hugepage/enabled"))
finish()
