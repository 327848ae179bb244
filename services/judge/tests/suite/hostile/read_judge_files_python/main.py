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


def read(path):
    return lambda: len(open(path, "rb").read(16)) >= 0


def listing(path, allowed=()):
    def attempt():
        extra = set(os.listdir(path)) - set(allowed)
        return f"(sees {sorted(extra)[:5]})" if extra else False
    return attempt


probe("read judge config.py", read("{{REPO}}/services/judge/xcoder_judge/config.py"))
probe("read wire schemas.py", read("{{REPO}}/wire/xcoder_wire/schemas.py"))
probe("read repo pyproject.toml", read("{{REPO}}/pyproject.toml"))
probe("read repo .git/config", read("{{REPO}}/.git/config"))
probe("list repo", listing("{{REPO}}", allowed={".venv"}))
probe("list /work", listing("/work", allowed={"main"}))
probe("list judge work dir", listing("{{WORK_DIR}}"))
probe("list judge cache dir", listing("{{CACHE_DIR}}"))
probe("list /run/xcoder-judge", listing("/run/xcoder-judge"))
probe("list /sys/fs/cgroup", listing("/sys/fs/cgroup"))
finish()
