"""The verdict of a checker or interactor program from its testlib-style exit code.

The program itself runs in the sandbox (engine/judge.py); the built-in checkers are pure and live
in `xcoder_wire.checkers`.
"""

from __future__ import annotations

from xcoder_wire.checkers import CheckOutcome
from xcoder_wire.schemas import Verdict

# testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error; anything else means the
# checker itself failed (3 is testlib's "fail"), which is the judge's problem, not the program's.
PROGRAM_EXIT_VERDICTS = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE}


def program_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    if exit_code in PROGRAM_EXIT_VERDICTS:
        return CheckOutcome(PROGRAM_EXIT_VERDICTS[exit_code], message)
    what = f"signal {signal}" if signal is not None else f"exit code {exit_code}"
    return CheckOutcome(Verdict.SE, f"checker failed ({what}): {message}".strip())
