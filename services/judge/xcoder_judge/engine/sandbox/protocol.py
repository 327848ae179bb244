"""Framing between a worker and the box process of one slot (stdlib only).

A message is a JSON header followed by the raw byte blobs it announces: program input and
output never pass through JSON. Both ends import this file; the box side runs under the
solution interpreter, so it must stay free of third-party imports and of Python >3.8 syntax.

It is also the one place the contract between the two sides is written: the operations
(`OP_*`), the fields of every message (`*_FIELDS`: slot.py writes them, the box modules read
them, and tests/engine/test_protocol_fields.py holds both sides to exactly these sets) and the
reasons a run was killed (`KILLED_*`).
"""

import json
import struct

_LEN = struct.Struct("!Q")
MAX_HEADER = 1 << 20


# Operations: worker -> box (init, run, ping, exit) and box -> worker (the rest).
OP_INIT = "init"
OP_RUN = "run"
OP_PING = "ping"
OP_EXIT = "exit"
OP_READY = "ready"  # the box is set up and serving
OP_FAILED = "failed"  # the box's set-up failed; it exits
OP_DONE = "done"  # the reply to a run
OP_PONG = "pong"
OP_ERROR = "error"  # the box could not do what was asked (not the program's fault)

# Message fields, one set per message. "op" opens every message; "blobs" is the framing's own.
OP = "op"
BLOBS = "blobs"

INIT_FIELDS = frozenset(  # worker -> box, once: the slot's set-up (+ the seccomp filter as a blob)
    (
        OP,
        "isolate",  # namespaces and a pivot_root (False: a plain process, tests and dev only)
        "root", "box_dir",  # host paths: the slot's new root, its /box
        "binds", "symlinks", "etc", "hostname",  # the root's contents: [src, dst, writable], ...
        "env", "uids", "preload",  # base environment, {"main"|"aux": uid}, modules the box imports
        "cgroups",  # name -> {"mode", "files"} (cgroups.py)
        "tmpfs_mb", "artifacts", "progs_mb",  # /box and /tmp size; artifact store; its slot copies
        "launcher",  # the C launcher binary, or None
        "userns",  # box_creds.Privilege's plan: {"map", "host_uid"} or {"off", "host_uid"}
    )
)  # fmt: skip
READY_FIELDS = frozenset(  # box -> worker: set up and serving
    (OP, "pid_namespace", "launcher", "warnings", "userns", "userns_reason", "caps")
)
FAILED_FIELDS = frozenset(  # box -> worker: set-up failed; userns_refused: the id maps were refused
    (OP, "message", "userns_refused")
)
ERROR_FIELDS = frozenset((OP, "message"))  # box -> worker: a request the box could not do

RUN_FIELDS = frozenset(  # worker -> box: a batch of runs of one program
    (
        OP,
        "runs",  # [{"procs": [process spec, ...]}]: one entry per test
        "progs",  # mount point (/prog, /aux) -> artifact key
        "files_in",  # name -> blob index, written into every run's /box
        "collect",  # glob patterns of /box files returned after the last run
        "stop_on_failure",
    )
)  # fmt: skip
RUN_ENTRY_FIELDS = frozenset(("procs",))
PROC_FIELDS = frozenset(  # one process of a run (run_types.Proc)
    (
        "kind",  # "exec" (argv) or "py" (a warm Python child: mode, path, harness, args, compile_as)
        "limits", "uid", "cgroup", "env",
        "stdin",  # blob index or None
        "capture_stdout", "fds_in", "result_fd", "pipes_to",
        "argv",
        "mode", "path", "harness", "args", "compile_as",
    )
)  # fmt: skip
LIMIT_FIELDS = frozenset(  # a process's limits (run_types.ProcLimits)
    ("cpu", "wall", "mem", "stack", "fsize", "nofile", "nproc", "output", "stdout_keep", "stderr_keep")
)
DONE_FIELDS = frozenset((OP, "reports", "files"))  # box -> worker: reports per run, collected files

# Why the box killed a process (a report's `killed_for`; None: it was not killed).
KILLED_CPU = "cpu"  # CPU time of the run's cgroup (or the process) over the limit
KILLED_WALL = "wall"  # wall-clock limit
KILLED_OUTPUT_STDOUT = "output_stdout"  # wrote more than `output` bytes on stdout
KILLED_OUTPUT_STDERR = "output_stderr"
KILLED_OUTPUT_RESULT = "output_result"  # a call test's returned value was too large
KILLED_FOR_OUTPUT = {  # the stream that ran over -> the reason
    "stdout": KILLED_OUTPUT_STDOUT,
    "stderr": KILLED_OUTPUT_STDERR,
    "result": KILLED_OUTPUT_RESULT,
}
OUTPUT_KILLS = frozenset(KILLED_FOR_OUTPUT.values())
STREAM_OF_KILL = {kill: stream for stream, kill in KILLED_FOR_OUTPUT.items()}
TIME_KILLS = frozenset((KILLED_CPU, KILLED_WALL))

# The fields of one process's report (box -> worker); the three streams are blob indices.
REPORT_FIELDS = frozenset(
    (
        "exit_code", "signal", "cpu_s", "wall_s", "ended", "mem_kb", "oom",
        "stdout_len", "stderr_len", "killed_for", "setup_error", "stdout", "stderr", "result",
    )
)  # fmt: skip


class ProtocolError(Exception):
    """The peer sent something that is not a message, or went away mid-message."""


def _recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise ProtocolError("peer closed the connection")
        got += k
    return bytes(buf)


def send(sock, header, blobs=()):
    head = dict(header)
    head[BLOBS] = [len(b) for b in blobs]
    raw = json.dumps(head, separators=(",", ":")).encode()
    if sum(head[BLOBS]) < (1 << 16):
        sock.sendall(b"".join([_LEN.pack(len(raw)), raw, *blobs]))
        return
    sock.sendall(_LEN.pack(len(raw)) + raw)
    for b in blobs:
        sock.sendall(b)


def recv(sock):
    (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size))
    if n > MAX_HEADER:
        raise ProtocolError("header of %d bytes is too large" % n)
    try:
        header = json.loads(_recv_exact(sock, n))
    except ValueError as e:
        raise ProtocolError("malformed header: %s" % e) from None
    sizes = header.pop(BLOBS, [])
    blobs = [_recv_exact(sock, s) if s else b"" for s in sizes]
    return header, blobs
