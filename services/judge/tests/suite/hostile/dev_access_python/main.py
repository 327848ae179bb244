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


def open_dev(path, mode):
    def attempt():
        fd = os.open(path, mode)
        os.close(fd)
        return True
    return attempt


for path in ("/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/vda", "/dev/vdb", "/dev/sda",
             "/dev/nvme0n1", "/dev/console", "/dev/tty0", "/dev/ttyS0", "/dev/kvm", "/dev/net/tun", "/dev/fuse",
             "/dev/loop-control", "/dev/loop0", "/dev/vsock", "/dev/vhost-vsock", "/dev/mapper/control",
             "/dev/cpu/0/msr", "/dev/snapshot", "/dev/hwrng"):
    probe(f"open {path} read-write", open_dev(path, os.O_RDWR))
    probe(f"open {path} read-only", open_dev(path, os.O_RDONLY))
probe("open /dev/tty (a controlling terminal)", open_dev("/dev/tty", os.O_RDWR))
for path, mode, label in (("/dev/null", "wb", "write"), ("/dev/zero", "rb", "read"),
                          ("/dev/urandom", "rb", "read"), ("/dev/random", "rb", "read")):
    try:
        with open(path, mode) as f:
            f.write(b"x") if "w" in mode else f.read(8)
        print(f"{path}: ok")
    except OSError as e:
        print(f"{path}: BROKEN {label} ({e.strerror})")
finish()
