"""The interactive precedence table (docs/problem-packages.md#interactive-verdicts), row by row.

Pure: reports as the sandbox gives them. The verdict suite's interactive/ cases run the same
rules through the real sandbox.
"""

from __future__ import annotations

import io
import signal
import tarfile

from xcoder_judge.engine.program_checker import SOLUTION_OUTPUT
from xcoder_judge.engine.sandbox.run_types import ProcReport
from xcoder_judge.engine.verdicts import interactive_verdict
from xcoder_wire.schemas import Verdict


def _tar(name: str, data: bytes) -> bytes:
    """A feedback directory as the wrapper sends it (tar -cf - -C dir .)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tar:
        info = tarfile.TarInfo("./" + name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def rep(exit_code=0, sig=None, ended=1.0, killed_for=None, seen: str | None = None, **kw) -> ProcReport:
    fields = dict(
        exit_code=exit_code,
        signal=sig,
        cpu_s=0.01,
        wall_s=0.02,
        mem_kb=1000,
        oom=False,
        killed_for=killed_for,
        stdout=b"",
        stderr=b"",
        result=_tar(SOLUTION_OUTPUT, seen.encode()) if seen else b"",
        stdout_len=0,
        stderr_len=0,
        setup_error=None,
        ended=ended,
    )
    fields.update(kw)
    return ProcReport(**fields)


def verdict(sol, sol_rep, inter, protocol="testlib"):
    o = interactive_verdict(sol, "solution says", sol_rep, inter, protocol)
    return o.verdict, o.reason


def test_1_sandbox_failures_are_se() -> None:
    assert verdict(None, rep(), rep(setup_error="no box"))[0] == Verdict.SE
    assert verdict(Verdict.SE, rep(), rep())[0] == Verdict.SE


def test_2_stopped_from_outside_while_the_interactor_ran() -> None:
    killed = rep(exit_code=None, sig=signal.SIGKILL, killed_for="wall", ended=5.0)
    assert verdict(Verdict.TLE, rep(killed_for="wall", ended=5.0), killed) == (Verdict.TLE, None)


def test_3a_the_interactor_failing_is_checker_error() -> None:
    assert verdict(None, rep(), rep(exit_code=3)) == (Verdict.WA, "checker_error")
    assert verdict(None, rep(), rep(exit_code=0), "kattis") == (Verdict.WA, "checker_error")
    assert verdict(None, rep(), rep(exit_code=128 + 11, seen="open")) == (Verdict.WA, "checker_error")


def test_3b_sigpipe_after_the_solution_ended_judges_the_solution() -> None:
    sigpipe = rep(exit_code=128 + signal.SIGPIPE, ended=2.0, seen="closed")  # through the wrapper
    assert verdict(None, rep(ended=1.0), sigpipe) == (Verdict.WA, None)
    assert verdict(Verdict.RE, rep(exit_code=1, ended=1.0), sigpipe) == (Verdict.RE, None)
    # a SIGPIPE while the solution still ran is the interactor's own failure
    assert verdict(None, rep(ended=3.0), rep(exit_code=141, ended=2.0, seen="open"))[1] == "checker_error"


def test_4_the_interactor_ending_first_with_a_rejection_decides() -> None:
    for sol, sol_rep in (
        (Verdict.RE, rep(exit_code=1, ended=2.0)),  # NoSuchElementException, ValueError, ...
        (Verdict.RE, rep(exit_code=None, sig=signal.SIGPIPE, ended=2.0)),
        (Verdict.TLE, rep(killed_for="cpu", ended=9.0)),
    ):
        assert verdict(sol, sol_rep, rep(exit_code=1, ended=1.0, seen="open")) == (Verdict.WA, None)
        assert verdict(sol, sol_rep, rep(exit_code=43, ended=1.0, seen="open"), "kattis") == (
            Verdict.WA,
            None,
        )
    assert verdict(Verdict.RE, rep(exit_code=1, ended=2.0), rep(exit_code=2, ended=1.0))[0] == Verdict.PE


def test_the_wrappers_look_wins_over_the_reap_order() -> None:
    # both reaped in one tick, the solution first: the wrapper saw its output still open
    assert (
        verdict(Verdict.RE, rep(exit_code=None, sig=13, ended=1.0), rep(exit_code=1, ended=1.1, seen="open"))[
            0
        ]
        == Verdict.WA
    )
    # and the other way round: the solution had gone before the interactor's rejection
    assert (
        verdict(Verdict.RE, rep(exit_code=1, ended=1.1), rep(exit_code=1, ended=1.0, seen="closed"))[0]
        == Verdict.RE
    )


def test_5_the_solution_first_over_a_limit_or_crashed() -> None:
    assert (
        verdict(Verdict.RE, rep(exit_code=42, ended=1.0), rep(exit_code=43, ended=2.0), "kattis")[0]
        == Verdict.RE
    )
    assert (
        verdict(Verdict.RE, rep(exit_code=42, ended=2.0), rep(exit_code=42, ended=1.0), "kattis")[0]
        == Verdict.RE
    )
    assert verdict(Verdict.MLE, rep(ended=1.0), rep(exit_code=1, ended=2.0))[0] == Verdict.MLE


def test_6_otherwise_the_interactor() -> None:
    assert verdict(None, rep(), rep(exit_code=0)) == (Verdict.AC, None)
    assert verdict(None, rep(), rep(exit_code=42), "kattis") == (Verdict.AC, None)
    assert verdict(None, rep(ended=1.0), rep(exit_code=43, ended=2.0), "kattis") == (Verdict.WA, None)
