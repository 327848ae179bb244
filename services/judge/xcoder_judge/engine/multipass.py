"""Multi-pass problems, worker side: one test at a time, pass after pass, as problemtools runs them.

After an accepted pass the Kattis validator's (or interactor's) `nextpass.in` is the next
pass's input, and its feedback directory carries over to the next pass (a tar on
KATTIS_STATE_FD). A validator that writes nextpass.in without accepting, or no verdict after
`passes` passes, is the validator's failure (WA, checker_error).
"""

from __future__ import annotations

from xcoder_wire.checkers import CheckOutcome
from xcoder_wire.schemas import ProgramChecker, StdioTest, TestResult, Verdict

from xcoder_judge.engine.judging import Judging
from xcoder_judge.engine.program_checker import (
    KATTIS_STATE_FD,
    checker_failed,
    feedback_files,
    feedback_tar,
    kattis_verdict,
)
from xcoder_judge.engine.results import not_run, result_for
from xcoder_judge.engine.run_plan import validator_proc
from xcoder_judge.engine.sandbox.run_types import ProcReport, RunRequest
from xcoder_judge.engine.sandbox.slot import SlotError
from xcoder_judge.engine.verdicts import interactive_verdict, run_verdict


def run_multipass(j: Judging) -> list[TestResult]:
    """Every test in order; after a failure with `stop_on_first_failure` the rest are SK."""
    results: list[TestResult] = []
    failed = False
    for i in range(len(j.sub.tests)):
        if failed or j.cancelled:
            results.append(not_run(j.sub, i))
            continue
        r = multipass_test(j, i)
        results.append(r)
        failed = j.sub.stop_on_first_failure and r.verdict != Verdict.AC
    return results


def multipass_test(j: Judging, i: int) -> TestResult:
    """One test's passes; its result is the last pass's, with the slowest pass's time."""
    sub = j.sub
    test = sub.tests[i]
    assert isinstance(test, StdioTest)
    state: dict[str, bytes] = {}
    current = test
    slowest: TestResult | None = None
    for n in range(1, sub.passes + 1):
        try:
            o, rep, files = one_pass(j, current, state)
        except SlotError as e:
            return not_run(sub, i, Verdict.SE, f"pass {n}: {e}")
        r = result_for(sub, i, rep, o.verdict, f"pass {n}: {o.message}".rstrip(": "), o.reason)
        if slowest is not None and slowest.time_s > r.time_s:
            r.time_s, r.wall_s = slowest.time_s, max(slowest.wall_s, r.wall_s)
        slowest = r
        if o.verdict != Verdict.AC:
            if "nextpass.in" in files:
                o = checker_failed("wrote nextpass.in without accepting")
                r.verdict, r.reason = o.verdict, o.reason
                r.message = f"pass {n}: {o.message}"
            return r
        if "nextpass.in" not in files:
            return r
        nxt = files.pop("nextpass.in").decode("utf-8", "replace")
        current = test.model_copy(update={"input": nxt})
        state = files
    o = checker_failed(f"no verdict within {sub.passes} passes")
    assert slowest is not None
    slowest.verdict, slowest.reason, slowest.message = o.verdict, o.reason, o.message
    return slowest


def one_pass(
    j: Judging, test: StdioTest, state: dict[str, bytes]
) -> tuple[CheckOutcome, ProcReport, dict[str, bytes]]:
    """One pass of one test: the run, the validator's outcome and its feedback files."""
    sub = j.sub
    runs = j.runs(test)
    if j.interactor is not None:
        runs[1].fds_in[KATTIS_STATE_FD] = feedback_tar(state)
    res = j.sandbox.run(RunRequest([runs], progs=j.progs), j.flow)
    reports = res.reports[0]
    sol = reports[0]
    verdict, message = run_verdict(sol, sub.limits, j.program.language.mle_markers)
    if j.interactor is not None:
        assert sub.interactor is not None
        o = interactive_verdict(verdict, message, sol, reports[1], sub.interactor.protocol)
        return o, sol, feedback_files(reports[1].result)
    if verdict is not None:
        return CheckOutcome(verdict, message), sol, {}
    checker = j.checker
    assert checker is not None and isinstance(sub.checker, ProgramChecker)
    proc = validator_proc(sub.checker, test, sol.stdout, checker, feedback_tar(state))
    cres = j.sandbox.run(RunRequest([[proc]], progs={"/prog": checker.artifact.key, "/aux": None}), j.flow)
    crep = cres.reports[0][0]
    text = crep.stderr.decode("utf-8", "replace").strip()[:500]
    if crep.setup_error:
        return CheckOutcome(Verdict.SE, f"sandbox set-up failed for the checker: {crep.setup_error}"), sol, {}
    if crep.killed_for or crep.oom:
        return checker_failed(f"{crep.killed_for or 'memory'} limit"), sol, {}
    return kattis_verdict(crep.exit_code, crep.signal, text), sol, feedback_files(crep.result)
