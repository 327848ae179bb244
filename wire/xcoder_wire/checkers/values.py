"""Comparison of function-call results (JSON values)."""

from __future__ import annotations

from typing import Any

from xcoder_wire.checkers.floats import close
from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome
from xcoder_wire.schemas import Verdict


def equal(actual: Any, expected: Any, tol: tuple[float, float] | None) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if tol is not None and (isinstance(expected, float) or isinstance(actual, float)):
            return close(float(actual), float(expected), *tol)
        return actual == expected
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            equal(a, e, tol) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(equal(actual[k], expected[k], tol) for k in expected)
    return actual == expected


def check(actual: Any, expected: Any, tol: tuple[float, float] | None = None) -> CheckOutcome:
    if equal(actual, expected, tol):
        return ACCEPTED
    return CheckOutcome(Verdict.WA, f"expected {_short(expected)}, got {_short(actual)}")


def _short(value: Any, limit: int = 80) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:  # an int past Python's 4300-digit text limit, or one nested in the value
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[:limit] + "…"
