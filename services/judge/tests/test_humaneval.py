"""HumanEval through the assert path: 164 canonical solutions AC, HumanEvalPack's 164 buggy ones not.

The fixture (fixtures/humaneval.jsonl.gz, built by fixtures/build_humaneval.py from the public
data) holds both. Canonical solutions use HumanEval's `check(candidate)` with `entry_point`;
the buggy ones HumanEvalPack's tests, which call `check(<function>)` by name (the plain-assert
form). Every program runs in the sandbox; the tests run in the separate tester process.
"""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from xcoder_wire.schemas import Limits, Submission, Verdict

FIXTURE = Path(__file__).parent / "fixtures" / "humaneval.jsonl.gz"
TASKS = [json.loads(line) for line in gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()]
LIMITS = Limits(time_s=6, memory_mb=512)


def _judge_all(engine, subs: list[Submission]) -> list:
    with ThreadPoolExecutor(max_workers=2 * engine.slots_total) as pool:
        return list(pool.map(engine.judge, subs))


def test_fixture_is_all_of_humaneval() -> None:
    assert len(TASKS) == 164
    assert len({t["task_id"] for t in TASKS}) == 164
    assert all(t["buggy_source"] != t["prompt"] + t["canonical_solution"] for t in TASKS)


@pytest.mark.timeout(600)
def test_canonical_solutions_pass_and_buggy_ones_do_not(suite_engine) -> None:
    canonical = [
        Submission(
            id=f"he-canonical-{i}",
            language="python3",
            source=t["prompt"] + t["canonical_solution"],
            tests=[{"kind": "assert", "code": t["test"], "entry_point": t["entry_point"]}],
            limits=LIMITS,
        )
        for i, t in enumerate(TASKS)
    ]
    buggy = [
        Submission(
            id=f"he-buggy-{i}",
            language="python3",
            source=t["buggy_source"],
            tests=[{"kind": "assert", "code": t["buggy_test"]}],
            limits=LIMITS,
        )
        for i, t in enumerate(TASKS)
    ]
    results = _judge_all(suite_engine, canonical + buggy)
    failed = [
        f"{t['task_id']}: {r.verdict.value} {r.tests[0].message if r.tests else r.message}"
        for t, r in zip(TASKS, results[: len(TASKS)], strict=True)
        if r.verdict != Verdict.AC
    ]
    assert not failed, "canonical solutions not accepted:\n" + "\n".join(failed)
    passed = [
        t["task_id"] for t, r in zip(TASKS, results[len(TASKS) :], strict=True) if r.verdict == Verdict.AC
    ]
    assert not passed, f"buggy solutions accepted: {passed}"
    judge_errors = [
        t["task_id"] for t, r in zip(TASKS, results[len(TASKS) :], strict=True) if r.verdict == Verdict.SE
    ]
    assert not judge_errors, f"buggy solutions judged SE: {judge_errors}"
