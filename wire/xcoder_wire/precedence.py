"""Which condition names a test's verdict when several hold: one table per kind of test.

The judge collects every condition that holds for a test (as DMOJ collects a result's flags) and
the first of them in its table gives the verdict, as DMOJ's `CODE_DISPLAY_ORDER` picks the
code it shows. The tables are data, so the judge, its docs and its tests read the same order:

- `RUN`: one process's report, before any checker looks at its output. Sorted by
  `VERDICT_PRECEDENCE` (time first, as isolate reports it, then memory, output, runtime error);
  within one verdict the first condition gives the message.
- `INTERACTIVE`: the solution's run against the interactor's decision ("whichever process ends
  first decides", as Kattis judges; docs/problem-packages.md#interactive-verdicts).
- `ASSERT`: the candidate's run against the assert tester's report: the verdict comes from the
  tester's process, never from the candidate's.

A rule's `verdict` is None where the verdict is a party's own: the solution's run verdict
(TLE, MLE, OLE, RE) or the interactor's (WA or PE).
"""

from __future__ import annotations

import enum
from collections.abc import Container
from typing import NamedTuple, TypeVar

from xcoder_wire.verdicts import Verdict


class RunCondition(str, enum.Enum):
    SETUP_FAILED = "setup_failed"
    WALL_TIME = "wall_time"
    CPU_TIME = "cpu_time"
    MEMORY = "memory"
    RUNTIME_MEMORY = "runtime_memory"
    OUTPUT = "output"
    FILE_SIZE = "file_size"
    SIGNAL = "signal"
    EXIT_CODE = "exit_code"


class InteractiveCondition(str, enum.Enum):
    SOLUTION_SETUP_FAILED = "solution_setup_failed"
    INTERACTOR_SETUP_FAILED = "interactor_setup_failed"
    STOPPED = "stopped"
    INTERACTOR_FAILED = "interactor_failed"
    REJECTED_FIRST = "rejected_first"
    SOLUTION_FAILED = "solution_failed"
    ENDED_EARLY = "ended_early"
    REJECTED = "rejected"
    ACCEPTED = "accepted"


class AssertCondition(str, enum.Enum):
    SOLUTION_SETUP_FAILED = "solution_setup_failed"
    TESTER_SETUP_FAILED = "tester_setup_failed"
    SOLUTION_LIMIT = "solution_limit"
    TESTER_TIME = "tester_time"
    TESTER_FAILED = "tester_failed"
    CANDIDATE_CRASHED = "candidate_crashed"
    TESTS_ERROR = "tests_error"
    FAILED = "failed"
    PASSED = "passed"


C = TypeVar("C", RunCondition, InteractiveCondition, AssertCondition)


class Rule(NamedTuple):
    condition: RunCondition | InteractiveCondition | AssertCondition
    verdict: Verdict | None  # None: the verdict of the party the rule names
    means: str


R, IC, A = RunCondition, InteractiveCondition, AssertCondition

RUN: tuple[Rule, ...] = (
    Rule(R.SETUP_FAILED, Verdict.SE, "the sandbox could not set the process up"),
    Rule(R.WALL_TIME, Verdict.TLE, "killed at the wall-clock limit"),
    Rule(R.CPU_TIME, Verdict.TLE, "killed at the CPU limit, or used more CPU than the limit"),
    Rule(R.MEMORY, Verdict.MLE, "killed by the cgroup's out-of-memory killer"),
    Rule(R.RUNTIME_MEMORY, Verdict.MLE, "exited non-zero with its runtime's out-of-memory message"),
    Rule(R.OUTPUT, Verdict.OLE, "killed for writing more than the output limit"),
    Rule(R.FILE_SIZE, Verdict.OLE, "killed by SIGXFSZ (a file over the file-size limit)"),
    Rule(R.SIGNAL, Verdict.RE, "killed by a signal"),
    Rule(R.EXIT_CODE, Verdict.RE, "exited with a non-zero status"),
)

INTERACTIVE: tuple[Rule, ...] = (
    Rule(IC.SOLUTION_SETUP_FAILED, Verdict.SE, "the solution's sandbox set-up failed"),
    Rule(IC.INTERACTOR_SETUP_FAILED, Verdict.SE, "the interactor's sandbox set-up failed"),
    Rule(IC.STOPPED, None, "the run was stopped (time, output) while the interactor still ran: the solution's limit verdict"),
    Rule(IC.INTERACTOR_FAILED, Verdict.WA, "the interactor failed (crash, its own limits, testlib fail, an exit code its protocol does not define): checker_error; not a SIGPIPE after the solution ended"),
    Rule(IC.REJECTED_FIRST, None, "the interactor ended first and rejected: its WA or PE, whatever the solution did next"),
    Rule(IC.SOLUTION_FAILED, None, "the solution's own run verdict: TLE, MLE, OLE, RE"),
    Rule(IC.ENDED_EARLY, Verdict.WA, "the interactor died of SIGPIPE after the solution had ended cleanly"),
    Rule(IC.REJECTED, None, "the interactor rejected after the solution ended: its WA or PE"),
    Rule(IC.ACCEPTED, Verdict.AC, "the interactor accepted"),
)  # fmt: skip

ASSERT: tuple[Rule, ...] = (
    Rule(A.SOLUTION_SETUP_FAILED, Verdict.SE, "the candidate's sandbox set-up failed"),
    Rule(A.TESTER_SETUP_FAILED, Verdict.SE, "the tester's sandbox set-up failed"),
    Rule(A.SOLUTION_LIMIT, None, "the candidate went over a limit: its TLE, MLE or OLE"),
    Rule(A.TESTER_TIME, Verdict.TLE, "the run was killed at its time limit while the tester ran"),
    Rule(A.TESTER_FAILED, Verdict.WA, "the tester could not finish (out of memory, killed, no report): checker_error"),
    Rule(A.CANDIDATE_CRASHED, Verdict.RE, "the candidate crashed (signal, non-zero status) after the asserts held or before they could run"),
    Rule(A.TESTS_ERROR, Verdict.WA, "the test code itself failed to run: checker_error"),
    Rule(A.FAILED, Verdict.WA, "an assert failed, the call raised, or the candidate exited early"),
    Rule(A.PASSED, Verdict.AC, "every assert ran and held"),
)  # fmt: skip


def winner(table: tuple[Rule, ...], held: Container[C]) -> C | None:
    """The first condition of `table` that holds; None when none does."""
    for rule in table:
        if rule.condition in held:
            return rule.condition  # type: ignore[return-value]
    return None
