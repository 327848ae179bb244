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


def listing(path):
    def attempt():
        entries = os.listdir(path)
        return f"(sees {len(entries)} entries)" if entries else False
    return attempt


probe("list the judge's work dir", listing("{{WORK_DIR}}"))
for k in range({{SLOTS}}):
    for name in (f"slot{k}", f"slot-{k}", str(k)):
        probe(f"list {{WORK_DIR}}/{name}", listing(f"{{WORK_DIR}}/{name}"))
pids = [p for p in os.listdir("/proc") if p.isdigit()]
print(f"visible processes: {len(pids)}")
probe("host judge visible at its host pid", lambda: os.path.exists("/proc/{{JUDGE_PID}}/cmdline")
      and b"pytest" in open("/proc/{{JUDGE_PID}}/cmdline", "rb").read() or False)
probe("many processes visible (no pid namespace)", lambda: len(pids) > 16 or False)


def other_roots():
    seen = []
    for pid in pids:
        if int(pid) in (os.getpid(), os.getppid()):
            continue
        try:
            seen.append((pid, len(os.listdir(f"/proc/{pid}/root/"))))
        except OSError:
            pass
    return f"({seen[:5]})" if seen else False


probe("browse other processes' roots", other_roots)
finish()
