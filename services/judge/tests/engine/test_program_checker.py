"""Checker and interactor programs: testlib exit codes 0-2 are verdicts; anything else is WA with
reason checker_error (the checker failed on this output), never SE."""

from __future__ import annotations

from xcoder_judge.engine.program_checker import program_verdict
from xcoder_wire.schemas import Verdict


def test_testlib_exit_codes() -> None:
    assert program_verdict(0, None, "").verdict == Verdict.AC
    assert program_verdict(1, None, "wrong").verdict == Verdict.WA
    assert program_verdict(2, None, "").verdict == Verdict.PE
    failed = program_verdict(3, None, "bad answer file")
    assert (
        failed.verdict == Verdict.WA and failed.reason == "checker_error" and "exit code 3" in failed.message
    )
    crashed = program_verdict(None, 11, "")
    assert (
        crashed.verdict == Verdict.WA and crashed.reason == "checker_error" and "signal 11" in crashed.message
    )
    assert program_verdict(7, None, "").reason == "checker_error"
    assert program_verdict(1, None, "wrong").reason is None
