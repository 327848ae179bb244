"""Run a command under a Docker/OCI seccomp profile, compiled with libseccomp as runc and crun do.

    python seccomp_exec.py PROFILE.json -- COMMAND [ARG...]

Supports what docker/seccomp/judge-worker.json uses: an ALLOW default and ERRNO rules, with or
without argument conditions. Syscalls unknown on this architecture are skipped, as runtimes do.
The filter is loaded into this process and survives the execve of COMMAND. Standard library only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
OPS = {
    "SCMP_CMP_NE": 1,
    "SCMP_CMP_LT": 2,
    "SCMP_CMP_LE": 3,
    "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5,
    "SCMP_CMP_GT": 6,
    "SCMP_CMP_MASKED_EQ": 7,
}


class Arg(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def load(profile: dict) -> None:
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(Arg),
    ]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    if profile["defaultAction"] != "SCMP_ACT_ALLOW":
        raise SystemExit("seccomp_exec: only profiles with an ALLOW default are supported")
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    for rule in profile["syscalls"]:
        if rule["action"] != "SCMP_ACT_ERRNO":
            raise SystemExit(f"seccomp_exec: unsupported action {rule['action']}")
        action = SCMP_ACT_ERRNO | (rule["errnoRet"] & 0xFFFF)
        args = rule.get("args", [])
        arr = (Arg * max(1, len(args)))(
            *[Arg(a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0)) for a in args]
        )
        for name in rule["names"]:
            nr = lib.seccomp_syscall_resolve_name(name.encode())
            if nr < 0:
                continue
            rc = lib.seccomp_rule_add_array(ctx, action, nr, len(args), arr)
            if rc != 0:
                raise SystemExit(f"seccomp_exec: rule for {name} failed ({rc})")
    if lib.seccomp_load(ctx) != 0:
        raise SystemExit("seccomp_exec: seccomp_load failed")


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        load(json.load(f))
    os.execvp(sys.argv[3], sys.argv[3:])


if __name__ == "__main__":
    main()
