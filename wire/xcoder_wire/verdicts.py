"""The one verdict vocabulary, the precedence of its flags, and a submission's overall verdict."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xcoder_wire.schemas import TestResult


class Verdict(str, enum.Enum):
    """The one verdict vocabulary. SE is the judge's own failure, never the program's."""

    AC = "AC"  # accepted
    WA = "WA"  # wrong answer
    PE = "PE"  # presentation error: right tokens, wrong layout (exact checker) or checker said so
    TLE = "TLE"  # CPU or wall time limit exceeded
    MLE = "MLE"  # memory limit exceeded
    OLE = "OLE"  # output (or file size) limit exceeded
    RE = "RE"  # runtime error: non-zero exit or killed by a signal
    CE = "CE"  # compilation error
    SE = "SE"  # system error: the judge failed; retry, never score it
    SK = "SK"  # skipped: not run because an earlier test failed and early stop was asked


# When several things went wrong in one run, the first of these names it: one table, as DMOJ's
# CODE_DISPLAY_ORDER, with the time limit before a runtime error as isolate reports them.
VERDICT_PRECEDENCE: tuple[Verdict, ...] = (
    Verdict.SE,
    Verdict.CE,
    Verdict.TLE,
    Verdict.MLE,
    Verdict.OLE,
    Verdict.RE,
    Verdict.WA,
    Verdict.PE,
    Verdict.SK,
    Verdict.AC,
)


def overall_verdict(results: Iterable[TestResult]) -> Verdict:
    """AC if every test passed, else the verdict of the first test (in test order) that did not.

    Across tests the order of the tests decides, as on Codeforces and DMOJ (the first failed case
    is the one reported); the precedence table only ranks what went wrong within one run.
    """
    for r in results:
        if r.verdict not in (Verdict.AC, Verdict.SK):
            return r.verdict
    return Verdict.AC
