"""Checkers: one module per kind, one `compare` entry point for outputs.

`compare` covers the built-in kinds (tokens, exact, lines, floats, kattis); `values` compares call-test
results. Pure functions of bytes and JSON values, so the judge, SynthSmith's voting and any
client agree on what "the same output" means. Checker programs run in the judge's sandbox
(`xcoder_judge.engine.program_checker` maps their testlib exit codes).
"""

from __future__ import annotations

from xcoder_wire.checkers import exact, floats, kattis, lines, tokens, values
from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome
from xcoder_wire.schemas import (
    Checker,
    ExactChecker,
    FloatsChecker,
    KattisChecker,
    LinesChecker,
    ProgramChecker,
    TokensChecker,
)


def compare(checker: Checker, output: bytes, expected: bytes) -> CheckOutcome:
    """The verdict of a built-in checker on one output."""
    if isinstance(checker, TokensChecker):
        return tokens.check(output, expected, case_sensitive=checker.case_sensitive)
    if isinstance(checker, ExactChecker):
        return exact.check(output, expected)
    if isinstance(checker, LinesChecker):
        return lines.check(output, expected)
    if isinstance(checker, FloatsChecker):
        return floats.check(output, expected, abs_tol=checker.abs_tol, rel_tol=checker.rel_tol)
    if isinstance(checker, KattisChecker):
        return kattis.check(checker, output, expected)
    if isinstance(checker, ProgramChecker):
        raise ValueError("checker: a program checker runs in the sandbox, not through compare()")
    raise ValueError(f"checker: unknown kind {getattr(checker, 'kind', checker)!r}")


def value_tolerance(checker: Checker) -> tuple[float, float] | None:
    """Float tolerance for call-test results: the floats checker's, else exact."""
    return (checker.abs_tol, checker.rel_tol) if isinstance(checker, FloatsChecker) else None


__all__ = ["ACCEPTED", "CheckOutcome", "compare", "value_tolerance", "values"]
