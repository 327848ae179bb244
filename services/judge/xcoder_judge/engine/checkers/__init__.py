"""Checkers: one module per kind, one `compare` entry point for outputs.

`compare` covers the built-in kinds (tokens, exact, lines, floats). Custom checker programs run
in the sandbox; `program_verdict` maps their testlib-style exit code.
"""

from __future__ import annotations

from xcoder_judge.engine.checkers import exact, floats, lines, tokens, values
from xcoder_judge.engine.checkers.outcome import ACCEPTED, CheckOutcome
from xcoder_judge.schemas import (
    Checker,
    ExactChecker,
    FloatsChecker,
    LinesChecker,
    ProgramChecker,
    TokensChecker,
    Verdict,
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
    if isinstance(checker, ProgramChecker):
        raise ValueError("checker: a program checker runs in the sandbox, not through compare()")
    raise ValueError(f"checker: unknown kind {getattr(checker, 'kind', checker)!r}")


def value_tolerance(checker: Checker) -> tuple[float, float] | None:
    """Float tolerance for call-test results: the floats checker's, else exact."""
    return (checker.abs_tol, checker.rel_tol) if isinstance(checker, FloatsChecker) else None


# testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error; anything else means the
# checker itself failed (3 is testlib's "fail"), which is the judge's problem, not the program's.
PROGRAM_EXIT_VERDICTS = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE}


def program_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    if exit_code in PROGRAM_EXIT_VERDICTS:
        return CheckOutcome(PROGRAM_EXIT_VERDICTS[exit_code], message)
    what = f"signal {signal}" if signal is not None else f"exit code {exit_code}"
    return CheckOutcome(Verdict.SE, f"checker failed ({what}): {message}".strip())


__all__ = ["ACCEPTED", "CheckOutcome", "compare", "program_verdict", "value_tolerance", "values"]
