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


# testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error. Anything else (3 is
# testlib's "fail", a signal, a code it does not define) means the checker itself failed on
# this output. testlib, DOMjudge and Kattis call that a judging error and stop for a person
# to fix the problem; a reward has no such person, a rerun gives the same failure, and an SE
# would let the output escape its penalty. So it is WA with reason checker_error:
# deterministic, never retried, scored 0 by the reward clients unless configured otherwise.
PROGRAM_EXIT_VERDICTS = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE}
CHECKER_ERROR = "checker_error"


def program_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    if exit_code in PROGRAM_EXIT_VERDICTS:
        return CheckOutcome(PROGRAM_EXIT_VERDICTS[exit_code], message)
    what = f"signal {signal}" if signal is not None else f"exit code {exit_code}"
    return checker_failed(f"{what}: {message}".strip().rstrip(":"))


def checker_failed(what: str) -> CheckOutcome:
    """The outcome when the checker (or interactor, or assert tester) failed on an output."""
    return CheckOutcome(Verdict.WA, f"checker failed ({what})", CHECKER_ERROR)


__all__ = [
    "ACCEPTED",
    "CHECKER_ERROR",
    "CheckOutcome",
    "checker_failed",
    "compare",
    "program_verdict",
    "value_tolerance",
    "values",
]
