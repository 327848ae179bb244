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
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
parent = os.getppid()


def ptrace(request, pid):
    def attempt():
        r = libc.ptrace(request, pid, None, None)
        if r < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return True
    return attempt


def read_mem(pid):
    def attempt():
        with open(f"/proc/{pid}/mem", "rb") as f:
            f.read(1)
        return True
    return attempt


def vm_readv(pid):
    def attempt():
        class IoVec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
        buf = ctypes.create_string_buffer(8)
        local = IoVec(ctypes.cast(buf, ctypes.c_void_p), 8)
        remote = IoVec(0x400000, 8)
        r = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if r < 0 and ctypes.get_errno() in (1, 13, 38):  # EPERM, EACCES, ENOSYS
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return True  # EFAULT means permission was granted and only the address was wrong
    return attempt


probe_in_child("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0))
probe_in_child("ptrace(PTRACE_ATTACH, parent)", ptrace(PTRACE_ATTACH, parent))
probe_in_child("ptrace(PTRACE_SEIZE, parent)", ptrace(PTRACE_SEIZE, parent))
probe_in_child("ptrace(PTRACE_ATTACH, 1)", ptrace(PTRACE_ATTACH, 1))
probe_in_child("read /proc/<parent>/mem", read_mem(parent))
probe_in_child("process_vm_readv(parent)", vm_readv(parent))
finish()
