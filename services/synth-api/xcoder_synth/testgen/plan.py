"""Ask the model for test material: hand-written inputs, one generator, validator alternatives.

Only static checks happen here (JSON shape, argument names, ``ast.parse``); the programs run in
the judge in :mod:`xcoder_synth.testgen.materialize`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.llm import LLMClient, ParseFailure, ask, ask_code
from xcoder_synth.prompts import testgen as prompts
from xcoder_synth.solutions.syntax import syntax_problem
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import Program, TestInput, TestPlan, call_data


class InputsReply(BaseModel):
    inputs: list[dict[str, Any]] = Field(min_length=1)


class PlanConfig(BaseModel):
    prompted_count: int = Field(10, ge=0, le=100)
    validator_samples: int = Field(2, ge=1, le=8, description="Validator alternatives asked for.")
    max_prompted_bytes: int = Field(4096, ge=16)
    oracle: bool = Field(True, description="Ask for a brute-force oracle (verify runs it on small inputs).")


def _prompted_inputs(
    task: TaskRecord, items: list[dict[str, Any]], max_bytes: int
) -> tuple[list[TestInput], list[str]]:
    kept: list[TestInput] = []
    notes: list[str] = []
    for n, item in enumerate(items):
        purpose = str(item.get("purpose", ""))[:300]
        if task.io == "call":
            assert task.entry_point is not None
            args = item.get("args")
            names = [p.name for p in task.entry_point.params]
            if not isinstance(args, dict) or set(args) != set(names):
                notes.append(f"prompted input {n}: arguments do not match parameters {names}")
                continue
            data = call_data(task.entry_point.positional(args))
        else:
            raw = item.get("input")
            if not isinstance(raw, str) or not raw.strip():
                notes.append(f"prompted input {n}: no input text")
                continue
            data = raw if raw.endswith("\n") else raw + "\n"
        if len(data.encode("utf-8")) > max_bytes:
            notes.append(f"prompted input {n}: larger than {max_bytes} bytes")
            continue
        kept.append(TestInput.make(task.id, "prompted", data, note=purpose))
    return kept, notes


def _check_inputs(task: TaskRecord):
    def check(reply: InputsReply) -> None:
        key = "args" if task.io == "call" else "input"
        if not any(key in item for item in reply.inputs):
            raise ValueError(f"no item has an {key!r} field")

    return check


def _check_program(code: str) -> str | None:
    return syntax_problem(code)


async def plan_tests(client: LLMClient, task: TaskRecord, cfg: PlanConfig, *, attempts: int = 2) -> TestPlan:
    """Everything the model writes for one task's tests; missing parts are noted, not faked."""
    jobs: list[Any] = [
        ask_code(client, prompts.generator(task), attempts=attempts, check=_check_program),
        *(
            ask_code(client, prompts.validator(task), sample=s, attempts=attempts, check=_check_program)
            for s in range(cfg.validator_samples)
        ),
    ]
    if cfg.oracle:

        def check_oracle(code: str) -> str | None:
            return syntax_problem(code, fn_name=task.fn_name)

        jobs.append(ask_code(client, prompts.oracle(task), attempts=attempts, check=check_oracle))
    if cfg.prompted_count:
        jobs.append(
            ask(
                client,
                prompts.inputs(task, cfg.prompted_count),
                InputsReply,
                attempts=attempts,
                check=_check_inputs(task),
            )
        )
    results = await asyncio.gather(*jobs)
    plan = TestPlan(id=task.id)
    gen = results[0]
    if isinstance(gen, ParseFailure):
        plan.notes.append(f"generator: {gen.reason}: {gen.detail}")
    else:
        plan.generator = Program(code=gen.code, provenance=gen.provenance)
        plan.provenance["generator"] = gen.provenance
    for s, val in enumerate(results[1 : 1 + cfg.validator_samples]):
        if isinstance(val, ParseFailure):
            plan.notes.append(f"validator {s}: {val.reason}: {val.detail}")
        else:
            plan.validators.append(Program(code=val.code, provenance=val.provenance))
    if cfg.oracle:
        orc = results[1 + cfg.validator_samples]
        if isinstance(orc, ParseFailure):
            plan.notes.append(f"oracle: {orc.reason}: {orc.detail}")
        else:
            plan.oracle = Program(code=orc.code, provenance=orc.provenance)
            plan.provenance["oracle"] = orc.provenance
    if cfg.prompted_count:
        prompted = results[-1]
        if isinstance(prompted, ParseFailure):
            plan.notes.append(f"prompted inputs: {prompted.reason}: {prompted.detail}")
        else:
            plan.prompted, notes = _prompted_inputs(task, prompted.value.inputs, cfg.max_prompted_bytes)
            plan.notes.extend(notes)
            plan.provenance["inputs"] = prompted.provenance
    return plan


def example_inputs(task: TaskRecord) -> list[TestInput]:
    """The statement's own examples, with their stated answers (checked against the vote later)."""
    if task.io == "call":
        assert task.entry_point is not None
        return [
            TestInput.make(
                task.id,
                "example",
                call_data(task.entry_point.positional(ex.args)),
                # The form the call harness prints (verify/harness.py): canonical JSON and a newline.
                stated_output=json.dumps(ex.output, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                + "\n",
            )
            for ex in task.call_examples
        ]
    return [
        TestInput.make(task.id, "example", ex.input, stated_output=ex.output) for ex in task.stdio_examples
    ]
