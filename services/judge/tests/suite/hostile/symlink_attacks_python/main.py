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

# Links and FIFOs planted under the names a judge might read, write, chown or delete after the
# run. They point at a world-writable bait dir on the host ({{BAIT_DIR}}, invisible in here) and
# at system files. The host checks afterwards that the bait and /etc are untouched.
targets = {
    "bait": "{{BAIT_DIR}}",
    "bait_file": "{{BAIT_DIR}}/keep.txt",
    "passwd": "/etc/passwd",
    "root": "/",
    "work": "{{WORK_DIR}}",
    "proc_root": "/proc/1/root",
    "up": "..",
}
names = ["stdout", "stderr", "output", "output.txt", "out", "err", "input", "input.txt", "answer",
         "main", "a.out", "Main.class", "main.py", "result.json", "meta", "checker", "box", "tmp"]
for i, name in enumerate(names):
    target = list(targets.values())[i % len(targets)]
    for d in (".", "/tmp"):
        path = os.path.join(d, name)
        try:
            if os.path.lexists(path) and not os.path.isdir(path):
                os.unlink(path)
            os.symlink(target, path)
        except OSError:
            pass
for label, target in targets.items():
    for d in (".", "/tmp"):
        try:
            os.symlink(target, os.path.join(d, f"link_{label}"))
        except OSError:
            pass
for name in ("fifo", "stdout.fifo", "output.fifo"):
    try:
        os.mkfifo(name)
    except OSError:
        pass
for target in ("/etc/passwd", "/etc/hosts", "/etc/hostname"):
    probe(f"hard link {target}", lambda t=target: os.link(t, os.path.basename(t) + ".hl") or True)
probe("write through the bait link", lambda: open("link_bait/pwned", "w").write("pwned") > 0)
probe("write through the bait file link", lambda: open("link_bait_file", "a").write("pwned") > 0)
probe("chmod through /etc/passwd link", lambda: os.chmod("link_passwd", 0o666) or True)
try:
    os.chmod(".", 0o500)  # make the work dir hard to clean
except OSError:
    pass
print(3)
finish()
