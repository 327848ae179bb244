"""Candidate sampling: shared extractor, static filtering, duplicates; nothing is executed here."""

from __future__ import annotations

import asyncio

from xcoder_synth.solutions.sample import ModelSamples, sample_candidates
from xcoder_synth.solutions.syntax import fingerprint, syntax_problem
from xcoder_synth.tasks.write import write_task

from .helpers import pool, selection


def _task_and_candidates(replay, tmp_path, style: str, samples: int = 6):
    async def go():
        p = pool(replay.url, tmp_path)
        try:
            task = await write_task(p.get("default"), selection(style))
            cset = await sample_candidates(p, task, [ModelSamples(endpoint="default", samples=samples)])
        finally:
            await p.aclose()
        return task, cset

    return asyncio.run(go())


def test_pool_keeps_failures_with_reasons_and_marks_duplicates(replay, tmp_path):
    _, cset = _task_and_candidates(replay, tmp_path, "codeforces")
    by_sample = {c.sample: c for c in cset.candidates}
    assert len(cset.candidates) == 6
    assert by_sample[4].code is None and by_sample[4].reject_reason == "truncated"
    assert by_sample[5].duplicate_of == by_sample[0].id  # same program, other comments
    assert [c.sample for c in cset.voters] == [0, 1, 2, 3]
    # The code is the last fenced block, outside the reasoning; the full reply is kept for SFT.
    assert by_sample[0].code.startswith("import sys") and "<think>" in by_sample[0].response
    assert (
        by_sample[0].provenance.prompt_id == "solutions.solve"
        and by_sample[2].provenance.sampling["seed"] == 2
    )
    assert len({c.id for c in cset.candidates}) == 6


def test_call_task_candidates_need_the_entry_point_and_valid_syntax(replay, tmp_path):
    _, cset = _task_and_candidates(replay, tmp_path, "leetcode")
    reasons = {c.sample: c.reject_reason for c in cset.candidates}
    assert reasons[5] == "syntax_error"
    assert all(reasons[s] is None for s in range(5))
    assert syntax_problem(
        "class Solution:\n    def other(self): pass\n", fn_name="longestBalanced"
    ).startswith("missing_entry_point")
    assert syntax_problem("def longestBalanced(s):\n    return 0\n", fn_name="longestBalanced") is None


def test_fingerprint_ignores_comments_and_layout():
    a = "x = 1  # one\nprint(x)\n"
    b = "x = 1\n\n\nprint( x )\n"
    assert fingerprint(a) == fingerprint(b) != fingerprint("x = 2\nprint(x)\n")
