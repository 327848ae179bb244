"""Tokens, with numbers equal within an absolute or relative tolerance. NaN never matches."""

from __future__ import annotations

import math

from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome
from xcoder_wire.checkers.tokens import token_mismatch


def _number(token: bytes) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def close(a: float, b: float, abs_tol: float, rel_tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return False
    if math.isinf(a) or math.isinf(b):
        return a == b
    diff = abs(a - b)
    return diff <= abs_tol or diff <= rel_tol * abs(b)


def check(output: bytes, expected: bytes, abs_tol: float = 1e-6, rel_tol: float = 1e-6) -> CheckOutcome:
    def equal(got: bytes, want: bytes) -> bool:
        w = _number(want)
        if w is None:
            return got == want
        g = _number(got)
        return g is not None and close(g, w, abs_tol, rel_tol)

    got, want = output.split(), expected.split()
    if len(got) == len(want) and all(equal(g, w) for g, w in zip(got, want, strict=True)):
        return ACCEPTED
    return token_mismatch(got, want, equal)
