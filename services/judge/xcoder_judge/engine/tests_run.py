"""A submission's tests run in batches across the slots, then checked, worker side.

Tests are cut into batches (at most MAX_BATCH, about one per slot) submitted together, so a
many-test submission fills every slot; each batch's reports become verdicts as it comes back
(verdicts.py, then the built-in checker or a checker program). With `stop_on_first_failure`
the batches not yet started are cancelled and every test after the first failure is SK.
"""

from __future__ import annotations

import math
from concurrent.futures import Future

from xcoder_wire import checkers
from xcoder_wire.schemas import (
    AnyTest,
    AssertTest,
    CallTest,
    ProgramChecker,
    StdioTest,
    Submission,
    TestResult,
    Verdict,
)

from xcoder_judge.engine.compile_plan import Program
from xcoder_judge.engine.judging import Judging
from xcoder_judge.engine.program_checker import checker_failed, kattis_verdict, program_verdict
from xcoder_judge.engine.results import not_run, result_for
from xcoder_judge.engine.run_plan import checker_proc
from xcoder_judge.engine.sandbox.run_types import ProcReport, RunRequest, RunResult
from xcoder_judge.engine.sandbox.slot import SlotError
from xcoder_judge.engine.values import call_value
from xcoder_judge.engine.verdicts import assert_verdict, interactive_verdict, run_verdict

MAX_BATCH = 8


def batches(n: int, slots: int) -> list[list[int]]:
    """Test indexes cut into consecutive batches, about one per slot, at most MAX_BATCH each."""
    size = max(1, min(MAX_BATCH, math.ceil(n / max(1, slots))))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def run_tests(j: Judging) -> list[TestResult]:
    sub = j.sub
    n = len(sub.tests)
    futures: list[tuple[list[int], Future[RunResult]]] = []
    for idx in batches(n, j.sandbox.slots_total):
        req = RunRequest(
            [j.runs(sub.tests[i]) for i in idx], progs=j.progs, stop_on_failure=sub.stop_on_first_failure
        )
        futures.append((idx, j.sandbox.submit(req, j.flow)))
    results: dict[int, TestResult] = {}
    stop = False
    for idx, fut in futures:
        if stop or j.cancelled:
            fut.cancel()
        if fut.cancelled():
            results.update((i, not_run(sub, i)) for i in idx)
            continue
        try:
            res = fut.result()
        except SlotError as e:
            results.update((i, not_run(sub, i, Verdict.SE, str(e))) for i in idx)
            continue
        outcome = evaluate(j, idx, res)
        results.update(outcome)
        if sub.stop_on_first_failure and any(r.verdict != Verdict.AC for r in outcome.values()):
            stop = True
    ordered = [results.get(i) or not_run(sub, i) for i in range(n)]  # missing: stopped inside a batch
    if sub.stop_on_first_failure:
        # Batches run in parallel, so later tests may have run; the contract is that
        # everything after the first failure is skipped.
        first = next((r.index for r in ordered if r.verdict not in (Verdict.AC, Verdict.SK)), n)
        for r in ordered[first + 1 :]:
            ordered[r.index] = not_run(sub, r.index)
    return ordered


def evaluate(j: Judging, idx: list[int], res: RunResult) -> dict[int, TestResult]:
    """The verdicts of one batch's runs (the checker program, if any, runs on them at the end)."""
    sub = j.sub
    out: dict[int, TestResult] = {}
    to_check: list[tuple[int, ProcReport]] = []
    mle_markers = j.program.language.mle_markers
    for i, reports in zip(idx, res.reports, strict=False):
        test = sub.tests[i]
        sol = reports[0]
        verdict, message = run_verdict(sol, sub.limits, mle_markers)
        if isinstance(test, AssertTest):
            o = assert_verdict(verdict, message, sol, reports[1])
            out[i] = result_for(sub, i, sol, o.verdict, o.message, o.reason)
            continue
        if len(reports) == 2:
            protocol = sub.interactor.protocol if sub.interactor is not None else "testlib"
            o = interactive_verdict(verdict, message, sol, reports[1], protocol)
            out[i] = result_for(sub, i, sol, o.verdict, o.message, o.reason)
            continue
        if verdict is None:
            if j.checker is not None and isinstance(test, StdioTest) and test.expected is not None:
                to_check.append((i, sol))
                continue
            verdict, message = check(sub, test, sol)
        out[i] = result_for(sub, i, sol, verdict, message)
    if to_check and j.checker is not None:
        out.update(run_checker(j, to_check, j.checker))
    return out


def check(sub: Submission, test: AnyTest, rep: ProcReport) -> tuple[Verdict, str]:
    """A clean run's verdict from a built-in checker (stdio) or the returned value (call)."""
    if isinstance(test, StdioTest):
        if test.expected is None:
            return Verdict.AC, ""
        o = checkers.compare(sub.checker, rep.stdout, test.expected.encode())
        return o.verdict, o.message
    assert isinstance(test, CallTest)
    value, problem = call_value(rep.result)
    if problem:
        return Verdict.WA, problem
    o = checkers.values.check(value, test.expected, checkers.value_tolerance(sub.checker))
    return o.verdict, o.message


def run_checker(j: Judging, items: list[tuple[int, ProcReport]], checker: Program) -> dict[int, TestResult]:
    """The checker program over the clean runs of one batch, as one batch of its own."""
    sub = j.sub
    assert isinstance(sub.checker, ProgramChecker)
    kattis = sub.checker.protocol == "kattis"
    runs = []
    for i, rep in items:
        test = sub.tests[i]
        assert isinstance(test, StdioTest)
        runs.append([checker_proc(sub.checker, test, rep.stdout, checker)])
    out: dict[int, TestResult] = {}
    try:
        res = j.sandbox.run(RunRequest(runs, progs={"/prog": checker.artifact.key, "/aux": None}), j.flow)
    except SlotError as e:
        return {i: result_for(sub, i, rep, Verdict.SE, f"checker: {e}") for i, rep in items}
    for (i, rep), reports in zip(items, res.reports, strict=False):
        crep = reports[0]
        message = (crep.stderr or crep.stdout).decode("utf-8", "replace").strip()[:500]
        if crep.setup_error:
            o = checkers.CheckOutcome(
                Verdict.SE, f"sandbox set-up failed for the checker: {crep.setup_error}"
            )
        elif crep.killed_for or crep.oom:
            o = checker_failed(f"{crep.killed_for or 'memory'} limit")
        else:
            o = (kattis_verdict if kattis else program_verdict)(crep.exit_code, crep.signal, message)
        out[i] = result_for(sub, i, rep, o.verdict, o.message, o.reason)
    for i, rep in items:
        out.setdefault(i, result_for(sub, i, rep, Verdict.SE, "checker did not run"))
    return out
