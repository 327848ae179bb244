"""Checker and interactor programs: their testlib exit codes become verdicts; the rest is SE."""

from __future__ import annotations

from xcoder_judge.engine.program_checker import program_verdict
from xcoder_wire.schemas import Verdict


def test_testlib_exit_codes() -> None:
    assert program_verdict(0, None, "").verdict == Verdict.AC
    assert program_verdict(1, None, "wrong").verdict == Verdict.WA
    assert program_verdict(2, None, "").verdict == Verdict.PE
    failed = program_verdict(3, None, "bad answer file")
    assert failed.verdict == Verdict.SE and "exit code 3" in failed.message
    assert program_verdict(None, 11, "").verdict == Verdict.SE
