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
import signal
import time


def start_time(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def kill_and_check(pid, sig):
    def attempt():
        before = start_time(pid)
        os.kill(pid, sig)
        time.sleep(0.2)
        try:
            gone = start_time(pid) != before
        except OSError:
            gone = True
        return "(it died)" if gone else False
    return attempt


def signal_host_judge():
    os.kill({{JUDGE_PID}}, signal.SIGCONT)
    with open("/proc/{{JUDGE_PID}}/cmdline", "rb") as f:
        return "(signalled the host judge)" if b"pytest" in f.read() else False


probe("SIGKILL the parent", kill_and_check(os.getppid(), signal.SIGKILL))
probe("SIGKILL pid 1", kill_and_check(1, signal.SIGKILL))
probe("signal the host judge by its host pid", signal_host_judge)
try:
    os.kill(-1, signal.SIGKILL)  # everything this uid may signal, except ourselves
    print("kill(-1, SIGKILL): returned")
except OSError as e:
    print(f"kill(-1, SIGKILL): {e.strerror}")
time.sleep(0.2)
finish()
