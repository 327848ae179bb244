"""Framing between worker and box: headers plus raw blobs, any size, and clean errors."""

from __future__ import annotations

import socket
import threading

import pytest
from xcoder_judge.engine.sandbox import protocol


def test_round_trip_small_and_large_blobs() -> None:
    a, b = socket.socketpair()
    big = bytes(range(256)) * (1 << 14)  # 4 MiB
    received = {}

    def reader() -> None:
        received["msg"] = protocol.recv(b)

    t = threading.Thread(target=reader)
    t.start()
    protocol.send(a, {"op": "run", "n": 1}, [b"", b"x", big])
    t.join()
    header, blobs = received["msg"]
    assert header == {"op": "run", "n": 1}
    assert blobs == [b"", b"x", big]
    a.close()
    b.close()


def test_a_closed_peer_is_a_protocol_error() -> None:
    a, b = socket.socketpair()
    a.close()
    with pytest.raises(protocol.ProtocolError):
        protocol.recv(b)
    b.close()


def test_garbage_is_a_protocol_error_not_a_crash() -> None:
    a, b = socket.socketpair()
    a.sendall(b"\x00\x00\x00\x00\x00\x00\x00\x03{{{")
    with pytest.raises(protocol.ProtocolError, match="malformed"):
        protocol.recv(b)
    a.sendall(b"\xff" * 8)
    with pytest.raises(protocol.ProtocolError, match="too large"):
        protocol.recv(b)
    a.close()
    b.close()
