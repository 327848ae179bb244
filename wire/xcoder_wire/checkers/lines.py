"""Line by line, ignoring trailing whitespace on each line and trailing blank lines."""

from __future__ import annotations

from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome, show
from xcoder_wire.schemas import Verdict


def _lines(data: bytes) -> list[bytes]:
    lines = [line.rstrip() for line in data.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check(output: bytes, expected: bytes) -> CheckOutcome:
    got, want = _lines(output), _lines(expected)
    if got == want:
        return ACCEPTED
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            verdict = Verdict.PE if g.split() == w.split() else Verdict.WA
            return CheckOutcome(verdict, f"line {i + 1}: expected {show(w)}, got {show(g)}")
    return CheckOutcome(Verdict.WA, f"expected {len(want)} lines, got {len(got)}")
