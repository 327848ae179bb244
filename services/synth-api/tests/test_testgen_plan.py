"""Test material from the model: hand-written inputs, generator, validators (statically checked)."""

from __future__ import annotations

import asyncio
import json

from xcoder_synth.tasks.write import write_task
from xcoder_synth.testgen.plan import PlanConfig, example_inputs, plan_tests

from .helpers import pool, selection


def _plan(replay, tmp_path, style: str, **cfg):
    async def go():
        p = pool(replay.url, tmp_path)
        try:
            task = await write_task(p.get("default"), selection(style))
            return task, await plan_tests(p.get("default"), task, PlanConfig(**cfg))
        finally:
            await p.aclose()

    return asyncio.run(go())


def test_stdio_plan(replay, tmp_path):
    task, plan = _plan(replay, tmp_path, "codeforces", prompted_count=7, validator_samples=2)
    assert plan.id == task.id
    assert len(plan.prompted) == 7 and plan.prompted[0].data == "1 1\n0\n"
    assert {ti.source for ti in plan.prompted} == {"prompted"}
    assert plan.generator is not None and "random.Random(int(seed))" in plan.generator.code
    assert len(plan.validators) == 2 and "6 <= n" in plan.validators[0].code
    assert set(plan.provenance) == {"generator", "inputs", "oracle"}
    assert plan.oracle is not None and "for j in range(n)" in plan.oracle.code
    assert plan.oracle.provenance.prompt_id == "testgen.oracle"


def test_call_plan_converts_named_arguments_and_drops_mismatched_ones(replay, tmp_path):
    task, plan = _plan(replay, tmp_path, "leetcode", prompted_count=6, validator_samples=1)
    assert [ti.data for ti in plan.prompted] == ['["a"]', '["ab"]', '["bbbaaa"]', '["abba"]', '["aabbb"]']
    assert any("do not match parameters" in n for n in plan.notes)
    examples = example_inputs(task)
    assert [e.data for e in examples] == ['["aabab"]', '["aaa"]', '["ba"]']
    assert [json.loads(e.stated_output) for e in examples] == [4, 0, 2]
    assert plan.oracle is not None and "def longestBalanced" in plan.oracle.code


def test_no_oracle_when_not_asked(replay, tmp_path):
    _, plan = _plan(replay, tmp_path, "codeforces", prompted_count=0, oracle=False)
    assert plan.oracle is None and "oracle" not in plan.provenance


def test_oversized_prompted_inputs_are_noted(replay, tmp_path):
    _, plan = _plan(replay, tmp_path, "atcoder", prompted_count=5, max_prompted_bytes=16)
    kept = [ti.data for ti in plan.prompted]
    assert "3 2\n1000000000 1000000000 -1000000000\n" not in kept
    assert any("larger than 16 bytes" in n for n in plan.notes)
