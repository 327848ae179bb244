"""A test's verdict from its processes' reports: worker side, after the run, before any checker.

Each function collects the conditions that hold for a test (`held`: condition -> the outcome it
would give) and the precedence table of the wire contract (`xcoder_wire.precedence`) picks the
one that names the verdict, as DMOJ's CODE_DISPLAY_ORDER does. Nothing here reads what the
candidate's process says about itself: only the sandbox's report and the checker's, the
interactor's or the tester's.
"""

from __future__ import annotations

import json
import signal

from xcoder_wire import precedence
from xcoder_wire.checkers import CheckOutcome
from xcoder_wire.precedence import AssertCondition, InteractiveCondition, RunCondition
from xcoder_wire.schemas import Limits, Verdict

from xcoder_judge.engine.program_checker import (
    CHECKER_ERROR,
    checker_failed,
    feedback_files,
    kattis_signal,
    kattis_verdict,
    program_verdict,
    solution_ended_first,
)
from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import ProcReport

Outcome = CheckOutcome


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def run_conditions(
    rep: ProcReport, limits: Limits, mle_markers: tuple[bytes, ...]
) -> dict[RunCondition, Outcome]:
    """Every condition of `precedence.RUN` that holds for one process's report."""
    R = RunCondition
    held: dict[RunCondition, Outcome] = {}
    if rep.setup_error:
        held[R.SETUP_FAILED] = Outcome(Verdict.SE, f"sandbox set-up failed: {rep.setup_error}")
    if rep.killed_for == protocol.KILLED_WALL:
        held[R.WALL_TIME] = Outcome(Verdict.TLE, f"wall-clock limit exceeded ({limits.effective_wall_s:g} s)")
    if rep.killed_for == protocol.KILLED_CPU or rep.cpu_s > limits.time_s:
        held[R.CPU_TIME] = Outcome(Verdict.TLE, f"time limit exceeded ({limits.time_s:g} s CPU)")
    if rep.oom:
        held[R.MEMORY] = Outcome(Verdict.MLE, f"memory limit exceeded ({limits.memory_mb} MiB)")
    if rep.killed_for in protocol.OUTPUT_KILLS:
        stream = protocol.STREAM_OF_KILL[rep.killed_for]
        held[R.OUTPUT] = Outcome(Verdict.OLE, f"output limit exceeded ({limits.output_mb:g} MiB on {stream})")
    if rep.signal is not None:
        if rep.signal == signal.SIGXFSZ:
            held[R.FILE_SIZE] = Outcome(
                Verdict.OLE, f"file size limit exceeded ({limits.file_size_mb:g} MiB)"
            )
        held[R.SIGNAL] = Outcome(Verdict.RE, f"killed by {signal_name(rep.signal)}")
    elif rep.exit_code != 0:  # an exit status: a process a signal ended has none
        held[R.EXIT_CODE] = Outcome(Verdict.RE, f"exit code {rep.exit_code}")
        if any(m in rep.stderr for m in mle_markers):
            held[R.RUNTIME_MEMORY] = Outcome(
                Verdict.MLE, f"memory limit exceeded ({limits.memory_mb} MiB): the runtime ran out of memory"
            )
    return held


def run_verdict(
    rep: ProcReport, limits: Limits, mle_markers: tuple[bytes, ...]
) -> tuple[Verdict | None, str]:
    """The verdict a run earns before any checker looks at it; None when it ran cleanly."""
    held = run_conditions(rep, limits, mle_markers)
    if not held:
        return None, ""
    o = held[precedence.winner(precedence.RUN, held)]  # type: ignore[index]
    return o.verdict, o.message


def interactive_conditions(
    sol: Verdict | None, sol_message: str, sol_rep: ProcReport, inter: ProcReport, protocol_name: str
) -> dict[InteractiveCondition, Outcome]:
    """Every condition of `precedence.INTERACTIVE` that holds for one interactive run."""
    IC = InteractiveCondition
    held: dict[InteractiveCondition, Outcome] = {}
    message = inter.stderr.decode("utf-8", "replace").strip()[:500]
    if sol == Verdict.SE:
        held[IC.SOLUTION_SETUP_FAILED] = Outcome(sol, sol_message)
    if inter.setup_error:
        held[IC.INTERACTOR_SETUP_FAILED] = Outcome(
            Verdict.SE, f"sandbox set-up failed for the interactor: {inter.setup_error}"
        )
    exited = inter.exit_code is not None  # on its own: a process the run's kill ends has a signal
    stopped = bool(inter.killed_for) and not exited
    if stopped and sol is not None:
        held[IC.STOPPED] = Outcome(sol, sol_message)
    if inter.oom or stopped:
        o = checker_failed(f"{inter.killed_for or 'memory'} limit: {message}".strip().rstrip(":"))
        held[IC.INTERACTOR_FAILED] = Outcome(o.verdict, f"interactor: {o.message}", o.reason)
    seen = solution_ended_first(feedback_files(inter.result))  # the wrapper's look, if any
    solution_first = seen if seen is not None else sol_rep.ended <= inter.ended
    if sol is not None:
        held[IC.SOLUTION_FAILED] = Outcome(sol, sol_message)
    # A SIGPIPE (through the shell wrapper) after the solution ended: the interactor wrote to a
    # solution that had gone, so the interactor's exit says nothing; the solution is judged.
    if kattis_signal(inter.exit_code, inter.signal) == signal.SIGPIPE and solution_first:
        held[IC.ENDED_EARLY] = Outcome(Verdict.WA, "the solution ended before the interaction did")
        return held
    decide = kattis_verdict if protocol_name == "kattis" else program_verdict
    o = decide(inter.exit_code, inter.signal, message)
    if o.reason == CHECKER_ERROR:
        held.setdefault(IC.INTERACTOR_FAILED, Outcome(o.verdict, f"interactor: {o.message}", o.reason))
    elif o.verdict != Verdict.AC:
        rejected = Outcome(o.verdict, o.message or "the interactor rejected the answer")
        held[IC.REJECTED] = rejected
        if not solution_first:
            held[IC.REJECTED_FIRST] = rejected
    else:
        held[IC.ACCEPTED] = Outcome(Verdict.AC)
    return held


def interactive_verdict(
    sol: Verdict | None,
    sol_message: str,
    sol_rep: ProcReport,
    inter: ProcReport,
    protocol: str = "testlib",
) -> Outcome:
    """Combine the solution's run with the interactor's decision as Kattis does: whichever
    process ends first decides (the order: `precedence.INTERACTIVE`)."""
    held = interactive_conditions(sol, sol_message, sol_rep, inter, protocol)
    return held[precedence.winner(precedence.INTERACTIVE, held)]  # type: ignore[index]


def tester_report(raw: bytes) -> dict | None:
    try:
        report = json.loads(raw) if raw else None
    except ValueError:
        return None
    return report if isinstance(report, dict) and isinstance(report.get("passed"), bool) else None


def _ended(rep: ProcReport) -> str:
    if rep.signal is not None:
        return f"killed by {signal_name(rep.signal)}"
    return f"exit code {rep.exit_code}, no report"


def assert_conditions(
    sol: Verdict | None, sol_message: str, tester: ProcReport
) -> dict[AssertCondition, Outcome]:
    """Every condition of `precedence.ASSERT` that holds for one assert test."""
    A = AssertCondition
    held: dict[AssertCondition, Outcome] = {}
    if sol == Verdict.SE:
        held[A.SOLUTION_SETUP_FAILED] = Outcome(sol, sol_message)
    if tester.setup_error:
        held[A.TESTER_SETUP_FAILED] = Outcome(
            Verdict.SE, f"sandbox set-up failed for the tester: {tester.setup_error}"
        )
    if sol in (Verdict.TLE, Verdict.MLE, Verdict.OLE):
        held[A.SOLUTION_LIMIT] = Outcome(sol, sol_message)
    if tester.killed_for in protocol.TIME_KILLS:
        held[A.TESTER_TIME] = Outcome(Verdict.TLE, "the tests ran past the time limit")
    report = tester_report(tester.result)
    if report is None or tester.oom or tester.killed_for:
        what = "ran out of memory" if tester.oom else tester.killed_for or _ended(tester)
        held[A.TESTER_FAILED] = Outcome(Verdict.WA, f"the tester failed ({what})", CHECKER_ERROR)
    if report is None:
        return held
    reason, message = report.get("reason"), str(report.get("message", ""))
    passed = report["passed"] is True
    if sol == Verdict.RE and (passed or reason in ("exited", "not_ready")):
        held[A.CANDIDATE_CRASHED] = Outcome(Verdict.RE, sol_message)
    if passed:
        held[A.PASSED] = Outcome(Verdict.AC)
    elif reason in ("tests_error", "tester_error"):
        held[A.TESTS_ERROR] = Outcome(Verdict.WA, message, CHECKER_ERROR)
    else:
        held[A.FAILED] = Outcome(Verdict.WA, message or "the tests failed")
    return held


def assert_verdict(sol: Verdict | None, sol_message: str, sol_rep: ProcReport, tester: ProcReport) -> Outcome:
    """An assert test's verdict: from the tester's own report, never from the candidate's process
    (the order: `precedence.ASSERT`). `sol_rep` is the candidate's report, kept for symmetry
    with `interactive_verdict`: its verdict `sol` already says all the tester needs."""
    held = assert_conditions(sol, sol_message, tester)
    return held[precedence.winner(precedence.ASSERT, held)]  # type: ignore[index]
