# The Python twin of ipc_state_c, through libc: SysV objects under the same fixed key.
import ctypes

libc = ctypes.CDLL(None, use_errno=True)
KEY, IPC_CREAT = 0x58434F44, 0o1000
probes = [
    ("sysv shm", lambda flags: libc.shmget(KEY, 4096, flags)),
    ("sysv msg", lambda flags: libc.msgget(KEY, flags)),
    ("sysv sem", lambda flags: libc.semget(KEY, 1, flags)),
]
found = False
for name, get in probes:
    there = get(0) >= 0
    found = found or there
    print("%s: %s" % (name, "ALLOWED" if there else "blocked (none)"))
print("ESCAPED" if found else "contained")
for _, get in probes:
    get(IPC_CREAT | 0o666)
