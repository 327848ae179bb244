"""The verdict of a checker or interactor program from its testlib-style exit code.

The program itself runs in the sandbox (engine/judge.py); the built-in checkers are pure and live
in `xcoder_wire.checkers`.
"""

from __future__ import annotations

from xcoder_wire.checkers import CheckOutcome
from xcoder_wire.schemas import Verdict

# testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error. Anything else (3 is
# testlib's "fail", a signal, a code it does not define) means the checker itself failed on
# this output. testlib, DOMjudge and Kattis call that a judging error and stop for a person
# to fix the problem; a reward has no such person, a rerun gives the same failure, and an SE
# would let the output escape its penalty. So it is WA with reason checker_error:
# deterministic, never retried, scored 0 by the reward clients unless configured otherwise.
PROGRAM_EXIT_VERDICTS = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE}
CHECKER_ERROR = "checker_error"  # TestResult.reason: the checker, interactor or tester failed


def program_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    if exit_code in PROGRAM_EXIT_VERDICTS:
        return CheckOutcome(PROGRAM_EXIT_VERDICTS[exit_code], message)
    what = f"signal {signal}" if signal is not None else f"exit code {exit_code}"
    return checker_failed(f"{what}: {message}".strip().rstrip(":"))


def checker_failed(what: str) -> CheckOutcome:
    """The outcome when the checker (or interactor, or assert tester) failed on an output."""
    return CheckOutcome(Verdict.WA, f"checker failed ({what})", CHECKER_ERROR)
