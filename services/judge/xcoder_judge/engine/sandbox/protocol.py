"""Framing between a worker and the box process of one slot (stdlib only).

A message is a JSON header followed by the raw byte blobs it announces: program input and
output never pass through JSON. Both ends import this file; the box side runs under the
solution interpreter, so it must stay free of third-party imports and of Python >3.8 syntax.

It is also the one place the contract between the two sides is written: the operations
(`OP_*`) and the reasons a run was killed (`KILLED_*`). Message field names are the keys of
the dicts that slot.py encodes and box.py reads.
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
    head["blobs"] = [len(b) for b in blobs]
    raw = json.dumps(head, separators=(",", ":")).encode()
    if sum(head["blobs"]) < (1 << 16):
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
    sizes = header.pop("blobs", [])
    blobs = [_recv_exact(sock, s) if s else b"" for s in sizes]
    return header, blobs
