"""Whitespace-insensitive comparison: the competitive-programming default."""

from __future__ import annotations

from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome, show
from xcoder_wire.schemas import Verdict


def token_mismatch(got: list[bytes], want: list[bytes], equal) -> CheckOutcome:
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if not equal(g, w):
            return CheckOutcome(Verdict.WA, f"token {i + 1}: expected {show(w)}, got {show(g)}")
    if len(got) < len(want):
        return CheckOutcome(Verdict.WA, f"output ended after {len(got)} tokens; expected {len(want)}")
    if len(got) > len(want):
        return CheckOutcome(Verdict.WA, f"extra output after {len(want)} tokens: {show(got[len(want)])}")
    return ACCEPTED


def check(output: bytes, expected: bytes, case_sensitive: bool = True) -> CheckOutcome:
    got, want = output.split(), expected.split()
    if not case_sensitive:
        got, want = [t.lower() for t in got], [t.lower() for t in want]
    if got == want:
        return ACCEPTED
    return token_mismatch(got, want, bytes.__eq__)
