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
import sys

# Did an earlier run manage to plant code that Python imports at start-up?
planted = os.environ.get("XCODER_PWNED") or "xcoder_pwned_mod" in sys.modules
print("DIRTY: code planted by an earlier run ran" if planted else "clean", flush=True)

HOOK = "import os\nos.environ['XCODER_PWNED'] = '1'\n"
dirs = [d for d in dict.fromkeys(sys.path + site.getsitepackages() + [site.getusersitepackages()])
        if d and os.path.isabs(d) and not d.startswith(os.getcwd()) and not d.startswith("/tmp")]


def plant(directory, filename, text):
    def attempt():
        with open(os.path.join(directory, filename), "x") as f:
            f.write(text)
        return f"(wrote {filename})"
    return attempt


for d in dirs:
    probe(f"plant sitecustomize.py in {d}", plant(d, "sitecustomize.py", HOOK))
    probe(f"plant usercustomize.py in {d}", plant(d, "usercustomize.py", HOOK))
    probe(f"plant .pth in {d}", plant(d, "xcoder-pwned-{{TOKEN}}.pth", HOOK.replace("\n", "; ", 1)))
    probe(f"plant module in {d}", plant(d, "xcoder_pwned_mod.py", HOOK))
finish()
