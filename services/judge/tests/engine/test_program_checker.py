"""Checker and interactor programs: testlib exit codes 0-2 are verdicts; anything else is WA with
reason checker_error (the checker failed on this output), never SE."""

from __future__ import annotations

from xcoder_judge.engine.program_checker import (
    SOLUTION_OUTPUT,
    feedback_files,
    feedback_tar,
    interactor_argv,
    kattis_argv,
    kattis_signal,
    kattis_verdict,
    program_verdict,
    solution_ended_first,
)
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


def test_kattis_exit_codes() -> None:
    assert kattis_verdict(42, None, "").verdict == Verdict.AC
    wa = kattis_verdict(43, None, "expected 3")
    assert (wa.verdict, wa.reason, wa.message) == (Verdict.WA, None, "expected 3")
    for code, signal, what in ((0, None, "exit code 0"), (1, None, "exit code 1"), (None, 9, "signal 9")):
        o = kattis_verdict(code, signal, "")
        assert (o.verdict, o.reason) == (Verdict.WA, "checker_error") and what in o.message
    # through the shell wrapper a validator's signal N arrives as exit status 128 + N
    assert "signal 11" in kattis_verdict(139, None, "").message
    assert (
        kattis_signal(141, None) == 13 and kattis_signal(None, 13) == 13 and kattis_signal(43, None) is None
    )
    assert "no feedback directory" in kattis_verdict(97, None, "").message


def test_feedback_directory_round_trip_and_garbage() -> None:
    files = {"judgemessage.txt": b"hi\n", "nextpass.in": b"again 6\n"}
    assert feedback_files(feedback_tar(files)) == files
    assert feedback_files(b"") == {} and feedback_files(b"not a tar") == {}


def test_the_wrapper_quotes_flags_and_keeps_the_validator_argv_apart() -> None:
    argv = kattis_argv(["/prog/main"], ["float_tolerance", "1e-6", "a b;rm -rf /"])
    assert argv[:2] == ["/bin/sh", "-c"] and argv[3:] == ["xcoder-validator", "/prog/main"]
    assert "'a b;rm -rf /'" in argv[2] and '"$d/" float_tolerance 1e-6' in argv[2]
    assert SOLUTION_OUTPUT not in argv[2]  # checkers do not look at a solution; interactors do
    inter = interactor_argv(["/aux/main"], "testlib", [])
    assert SOLUTION_OUTPUT in inter[2] and "$rc -ne 0" in inter[2] and '"$d/"' not in inter[2]
    assert "$rc -ne 42" in interactor_argv(["/aux/main"], "kattis", [])[2]


def test_the_solution_output_probe_is_read_and_not_carried_to_the_next_pass() -> None:
    assert solution_ended_first({SOLUTION_OUTPUT: b"closed\n"}) is True
    assert solution_ended_first({SOLUTION_OUTPUT: b"open\n"}) is False
    assert solution_ended_first({}) is None
    assert feedback_files(feedback_tar({SOLUTION_OUTPUT: b"open", "a": b"1"})) == {"a": b"1"}
