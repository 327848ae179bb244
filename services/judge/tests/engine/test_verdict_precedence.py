"""The engine applies the wire's precedence tables: for each pair of conditions that can hold
together in one report, the verdict (and message) of the earlier condition wins.

Pure: reports shaped as the sandbox gives them; the verdict suite runs the same rules for real.
"""

from __future__ import annotations

import itertools
import json
import signal

import pytest
from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import ProcReport
from xcoder_judge.engine.verdicts import (
    assert_conditions,
    assert_verdict,
    interactive_conditions,
    interactive_verdict,
    run_conditions,
    run_verdict,
)
from xcoder_wire import precedence
from xcoder_wire.precedence import AssertCondition, InteractiveCondition, RunCondition
from xcoder_wire.schemas import Limits, Verdict

R, IC, A = RunCondition, InteractiveCondition, AssertCondition
LIMITS = Limits(time_s=1, memory_mb=256)
MARKERS = (b"MemoryError",)


def rep(**kw) -> ProcReport:
    fields = dict(
        exit_code=0, signal=None, cpu_s=0.01, wall_s=0.02, mem_kb=1000, oom=False, killed_for=None,
        stdout=b"", stderr=b"", result=b"", stdout_len=0, stderr_len=0, setup_error=None, ended=1.0,
    )  # fmt: skip
    fields.update(kw)
    return ProcReport(**fields)


# The report fields that make each run condition hold (a signal leaves no exit status).
RUN_FIELDS = {
    R.SETUP_FAILED: {"setup_error": "no box"},
    R.WALL_TIME: {"killed_for": protocol.KILLED_WALL, "exit_code": None, "signal": signal.SIGKILL},
    R.CPU_TIME: {"cpu_s": 1.5},
    R.MEMORY: {"oom": True},
    R.RUNTIME_MEMORY: {"exit_code": 1, "stderr": b"MemoryError"},
    R.OUTPUT: {"killed_for": protocol.KILLED_OUTPUT_STDOUT, "exit_code": None, "signal": signal.SIGKILL},
    R.FILE_SIZE: {"exit_code": None, "signal": signal.SIGXFSZ},
    R.SIGNAL: {"exit_code": None, "signal": signal.SIGKILL},
    R.EXIT_CODE: {"exit_code": 3},
}


def merged(a: dict, b: dict) -> dict | None:
    """Both field sets in one report, or None when they contradict each other."""
    out = dict(a)
    for k, v in b.items():
        if k in out and out[k] != v:
            return None
        out[k] = v
    return out


def test_each_run_condition_alone_gives_its_rules_verdict() -> None:
    assert run_verdict(rep(), LIMITS, MARKERS) == (None, "")
    for rule in precedence.RUN:
        r = rep(**RUN_FIELDS[rule.condition])
        assert rule.condition in run_conditions(r, LIMITS, MARKERS)
        assert run_verdict(r, LIMITS, MARKERS)[0] is rule.verdict, rule.condition


def test_each_pair_of_run_conditions_gives_the_earlier_ones_verdict() -> None:
    order = [r.condition for r in precedence.RUN]
    combined = 0
    for a, b in itertools.combinations(order, 2):
        fields = merged(RUN_FIELDS[a], RUN_FIELDS[b])
        if fields is None:
            continue
        r = rep(**fields)
        held = run_conditions(r, LIMITS, MARKERS)
        assert {a, b} <= set(held), (a, b, held)
        alone = run_verdict(rep(**RUN_FIELDS[a]), LIMITS, MARKERS)
        assert run_verdict(r, LIMITS, MARKERS) == alone, (a, b)
        combined += 1
    assert combined >= 20  # most pairs can happen together; the test must not pass vacuously


@pytest.mark.parametrize(
    ("fields", "verdict", "says"),
    [
        ({"cpu_s": 1.5, "exit_code": 1}, Verdict.TLE, "time limit"),  # TLE before RE (isolate)
        ({"oom": True, "exit_code": None, "signal": signal.SIGKILL}, Verdict.MLE, "memory"),
        ({"killed_for": protocol.KILLED_WALL, "cpu_s": 1.5}, Verdict.TLE, "wall-clock"),  # wall's message
        ({"exit_code": 1, "stderr": b"... MemoryError"}, Verdict.MLE, "runtime ran out of memory"),
        ({"exit_code": None, "signal": signal.SIGABRT, "stderr": b"MemoryError"}, Verdict.RE, "SIGABRT"),
        ({"exit_code": None, "signal": signal.SIGXFSZ}, Verdict.OLE, "file size"),
    ],
)
def test_known_run_pairs(fields: dict, verdict: Verdict, says: str) -> None:
    got, message = run_verdict(rep(**fields), LIMITS, MARKERS)
    assert got is verdict and says in message


def _tester(passed: bool | None = None, reason: str | None = None, **kw) -> ProcReport:
    result = (
        b"" if passed is None else json.dumps({"passed": passed, "reason": reason, "message": "m"}).encode()
    )
    return rep(result=result, **kw)


@pytest.mark.parametrize(
    ("sol", "tester", "first", "then", "verdict"),
    [
        (Verdict.SE, _tester(setup_error="x"), A.SOLUTION_SETUP_FAILED, A.TESTER_SETUP_FAILED, Verdict.SE),
        (Verdict.TLE, _tester(None), A.SOLUTION_LIMIT, A.TESTER_FAILED, Verdict.TLE),
        (None, _tester(True, killed_for=protocol.KILLED_CPU), A.TESTER_TIME, A.TESTER_FAILED, Verdict.TLE),
        (Verdict.RE, _tester(True), A.CANDIDATE_CRASHED, A.PASSED, Verdict.RE),
        (Verdict.RE, _tester(False, "exited"), A.CANDIDATE_CRASHED, A.FAILED, Verdict.RE),
        (None, _tester(True, oom=True), A.TESTER_FAILED, A.PASSED, Verdict.WA),
    ],
)
def test_assert_pairs(sol, tester: ProcReport, first, then, verdict: Verdict) -> None:
    held = assert_conditions(sol, "sol", tester)
    assert {first, then} <= set(held)
    assert precedence.winner(precedence.ASSERT, held) == first
    assert assert_verdict(sol, "sol", rep(), tester).verdict is verdict


@pytest.mark.parametrize(
    ("sol", "sol_rep", "inter", "first", "then", "verdict"),
    [
        # stopped from outside (wall) while the interactor ran: the solution's TLE, not a failed interactor
        (Verdict.TLE, rep(), rep(killed_for=protocol.KILLED_WALL, exit_code=None, signal=9),
         IC.STOPPED, IC.INTERACTOR_FAILED, Verdict.TLE),
        # the interactor rejected first (it ended before the solution): its WA over the solution's RE
        (Verdict.RE, rep(ended=2.0), rep(exit_code=1, ended=1.0), IC.REJECTED_FIRST, IC.SOLUTION_FAILED, Verdict.WA),
        # the solution ended first and crashed: its RE over the interactor's later rejection
        (Verdict.RE, rep(ended=1.0), rep(exit_code=1, ended=2.0), IC.SOLUTION_FAILED, IC.REJECTED, Verdict.RE),
        # SIGPIPE after the solution ended: the solution's own verdict, else WA
        (Verdict.OLE, rep(ended=1.0), rep(exit_code=None, signal=signal.SIGPIPE, ended=2.0),
         IC.SOLUTION_FAILED, IC.ENDED_EARLY, Verdict.OLE),
        (Verdict.MLE, rep(), rep(oom=True, exit_code=None, signal=9), IC.INTERACTOR_FAILED, IC.SOLUTION_FAILED, Verdict.WA),
    ],
)  # fmt: skip
def test_interactive_pairs(
    sol, sol_rep: ProcReport, inter: ProcReport, first, then, verdict: Verdict
) -> None:
    held = interactive_conditions(sol, "sol", sol_rep, inter, "testlib")
    assert {first, then} <= set(held)
    assert precedence.winner(precedence.INTERACTIVE, held) == first
    assert interactive_verdict(sol, "sol", sol_rep, inter).verdict is verdict


def test_docs_show_each_table_as_the_code_has_it() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[4] / "docs" / "judge-engine.md").read_text()
    for table in (precedence.RUN, precedence.INTERACTIVE, precedence.ASSERT):
        rows = [
            f"| {i} | `{r.condition.value}` | {r.verdict.value if r.verdict else 'its own'} | {r.means} |"
            for i, r in enumerate(table, 1)
        ]
        assert "\n".join(rows) in text
