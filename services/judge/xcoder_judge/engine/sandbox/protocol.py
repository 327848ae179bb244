"""Framing between a worker and the box process of one slot (stdlib only).

A message is a JSON header followed by the raw byte blobs it announces: program input and
output never pass through JSON. Both ends import this file; the box side runs under the
solution interpreter, so it must stay free of third-party imports and of Python >3.8 syntax.
"""

import json
import struct

_LEN = struct.Struct("!Q")
MAX_HEADER = 1 << 20


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
