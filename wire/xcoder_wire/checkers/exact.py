"""Byte-exact comparison. Right tokens in the wrong layout is a presentation error."""

from __future__ import annotations

from xcoder_wire.checkers import tokens
from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome
from xcoder_wire.schemas import Verdict


def check(output: bytes, expected: bytes) -> CheckOutcome:
    if output == expected:
        return ACCEPTED
    if output.split() == expected.split():
        n = next((i for i, (a, b) in enumerate(zip(output, expected, strict=False)) if a != b), None)
        where = f"byte {n + 1}" if n is not None else f"length {len(output)} vs {len(expected)}"
        return CheckOutcome(Verdict.PE, f"whitespace differs at {where}")
    return tokens.check(output, expected)
