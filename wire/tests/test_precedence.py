"""The precedence tables are pinned here: reordering a rule changes verdicts, so it fails a test."""

from __future__ import annotations

import itertools

import pytest
from xcoder_wire import precedence
from xcoder_wire.precedence import AssertCondition, InteractiveCondition, RunCondition, winner
from xcoder_wire.verdicts import VERDICT_PRECEDENCE, Verdict

R, IC, A = RunCondition, InteractiveCondition, AssertCondition

PINNED = {
    "RUN": [
        (R.SETUP_FAILED, Verdict.SE),
        (R.WALL_TIME, Verdict.TLE),
        (R.CPU_TIME, Verdict.TLE),
        (R.MEMORY, Verdict.MLE),
        (R.RUNTIME_MEMORY, Verdict.MLE),
        (R.OUTPUT, Verdict.OLE),
        (R.FILE_SIZE, Verdict.OLE),
        (R.SIGNAL, Verdict.RE),
        (R.EXIT_CODE, Verdict.RE),
    ],
    "INTERACTIVE": [
        (IC.SOLUTION_SETUP_FAILED, Verdict.SE),
        (IC.INTERACTOR_SETUP_FAILED, Verdict.SE),
        (IC.STOPPED, None),
        (IC.INTERACTOR_FAILED, Verdict.WA),
        (IC.REJECTED_FIRST, None),
        (IC.SOLUTION_FAILED, None),
        (IC.ENDED_EARLY, Verdict.WA),
        (IC.REJECTED, None),
        (IC.ACCEPTED, Verdict.AC),
    ],
    "ASSERT": [
        (A.SOLUTION_SETUP_FAILED, Verdict.SE),
        (A.TESTER_SETUP_FAILED, Verdict.SE),
        (A.SOLUTION_LIMIT, None),
        (A.TESTER_TIME, Verdict.TLE),
        (A.TESTER_FAILED, Verdict.WA),
        (A.CANDIDATE_CRASHED, Verdict.RE),
        (A.TESTS_ERROR, Verdict.WA),
        (A.FAILED, Verdict.WA),
        (A.PASSED, Verdict.AC),
    ],
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_table_is_the_pinned_order(name: str) -> None:
    table = getattr(precedence, name)
    assert [(r.condition, r.verdict) for r in table] == PINNED[name]
    assert all(r.means for r in table)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_pair_of_conditions_is_won_by_the_earlier_one(name: str) -> None:
    table = getattr(precedence, name)
    order = [c for c, _ in PINNED[name]]
    for a, b in itertools.combinations(order, 2):  # a comes first in the pinned order
        assert winner(table, {a, b}) == a
        assert winner(table, {b, a}) == a
    assert winner(table, set()) is None


def test_every_condition_of_an_enum_has_exactly_one_rule() -> None:
    for name, enum in (("RUN", R), ("INTERACTIVE", IC), ("ASSERT", A)):
        conditions = [r.condition for r in getattr(precedence, name)]
        assert sorted(conditions) == sorted(enum), name


def test_the_run_table_follows_the_verdict_precedence_as_dmoj_display_order() -> None:
    ranks = [VERDICT_PRECEDENCE.index(r.verdict) for r in precedence.RUN]
    assert ranks == sorted(ranks)
    # the pairs isolate and DMOJ settle the same way: time before memory before output before RE
    assert winner(precedence.RUN, {R.EXIT_CODE, R.CPU_TIME}) == R.CPU_TIME
    assert winner(precedence.RUN, {R.SIGNAL, R.MEMORY}) == R.MEMORY
    assert winner(precedence.RUN, {R.OUTPUT, R.MEMORY}) == R.MEMORY
    assert winner(precedence.RUN, {R.SIGNAL, R.FILE_SIZE}) == R.FILE_SIZE
