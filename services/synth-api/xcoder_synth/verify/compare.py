"""Checker-aware output equality, through the judge's own checker implementation.

Voting and judging must agree on what "the same output" means, so this module holds no
comparison logic of its own: it calls ``xcoder_wire.checkers.compare``, the judge's own checker
(checker programs: the judge itself, through ``verify/acceptance.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from xcoder_wire.checkers import compare
from xcoder_wire.schemas import ExactChecker, FloatsChecker, ProgramChecker, TokensChecker, Verdict

from xcoder_synth.tasks.models import TaskRecord

Same = Callable[[str, str], bool]


JudgeChecker = TokensChecker | FloatsChecker | ExactChecker | ProgramChecker


def judge_checker(task: TaskRecord) -> JudgeChecker:
    """The checker tests of this task are judged with (call tasks: canonical JSON, byte-exact)."""
    if task.checker.kind == "program" and task.io == "stdio":
        return ProgramChecker(language=task.checker.language, source=task.checker.source or "")
    if task.io == "call":
        return ExactChecker()
    if task.checker.kind == "floats":
        return FloatsChecker(abs_tol=task.checker.abs_tol or 1e-6, rel_tol=task.checker.rel_tol or 1e-6)
    return TokensChecker()


def equivalence(checker: JudgeChecker) -> Same:
    """``same(output, reference)``: would the judge accept ``output`` if ``reference`` were expected?

    A checker program runs only in the judge: its relation comes from ``verify/acceptance.py``.
    """
    if isinstance(checker, ProgramChecker):
        raise ValueError("a checker program runs in the judge; use verify.acceptance")

    def same(output: str, reference: str) -> bool:
        if output == reference:
            return True
        return compare(checker, output.encode("utf-8"), reference.encode("utf-8")).verdict == Verdict.AC

    return same
