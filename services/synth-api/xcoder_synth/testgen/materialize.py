"""Turn a test plan into validated concrete inputs, running generators and validators in the judge.

Order: statement examples, prompted inputs, generator outputs (``small``, ``random`` then ``max``
seeds);
duplicates and oversized inputs are dropped; then the first validator that accepts every
statement example filters the rest. A task whose validators all reject its own examples is
inconsistent and is dropped.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway, RunOutcome
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import InputDecision, InputSet, TestInput, TestPlan, call_data
from xcoder_synth.testgen.plan import example_inputs

SMALL_SEED_OFFSET = 100_000


class MaterializeConfig(BaseModel):
    small_count: int = Field(
        6,
        ge=0,
        le=1000,
        description="Generator inputs in `small` mode: few elements, for the brute-force oracle.",
    )
    random_count: int = Field(20, ge=0, le=1000)
    max_count: int = Field(3, ge=0, le=100)
    seed: int = 1
    max_input_bytes: int = Field(1 << 20, ge=64, le=1 << 24)
    require_validator: bool = True
    min_inputs: int = Field(5, ge=1)
    generator_limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))
    validator_limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))


def _dropped(reason: DropReason, detail: str, decisions: list[InputDecision]) -> Dropped:
    return Dropped(reason=reason, detail=detail, extra={"decisions": [d.model_dump() for d in decisions]})


def _call_args(text: str, arity: int) -> str | None:
    """Canonical argument JSON from a generator's output, or None if it is not an argument list."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or len(value) != arity:
        return None
    return call_data(value)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0][:200] if (text or "").strip() else ""


def _generator_lines(cfg: MaterializeConfig) -> list[str]:
    """One ``<seed> <mode>`` line per generator run. Small seeds are offset so that a generator
    that ignores the mode still gives new inputs."""
    lines = [f"{cfg.seed + SMALL_SEED_OFFSET + i} small\n" for i in range(cfg.small_count)]
    lines += [f"{cfg.seed + i} random\n" for i in range(cfg.random_count)]
    lines += [f"{cfg.seed + i} max\n" for i in range(cfg.max_count)]
    return lines


def _generated_input(task: TaskRecord, line: str, out: RunOutcome, cfg: MaterializeConfig) -> TestInput | str:
    """The input one generator run made, or why it made none."""
    if out.truncated or (out.stdout is not None and len(out.stdout.encode()) > cfg.max_input_bytes):
        return "too_large"
    if not out.ran or not (out.stdout or "").strip():
        return f"generator_{out.verdict}"
    data = out.stdout or ""
    if task.io == "call":
        canonical = _call_args(data, len(task.entry_point.params) if task.entry_point else 0)
        if canonical is None:
            return "generator_bad_args"
        data = canonical
    return TestInput.make(task.id, line.split()[1], data, note=line.strip())


async def _generate(
    gateway: JudgeGateway,
    task: TaskRecord,
    plan: TestPlan,
    cfg: MaterializeConfig,
    decisions: list[InputDecision],
) -> list[TestInput]:
    """The generator's inputs, in seed order; the runs that gave none are recorded in ``decisions``."""
    lines = _generator_lines(cfg)
    if plan.generator is None or not lines:
        return []
    (row,) = await gateway.run(
        [plan.generator.code],
        lines,
        limits=cfg.generator_limits,
        output_cap_bytes=cfg.max_input_bytes + 1,
        tag=f"gen-{task.id}",
    )
    made: list[TestInput] = []
    for line, out in zip(lines, row, strict=True):
        got = _generated_input(task, line, out, cfg)
        if isinstance(got, str):
            decisions.append(
                InputDecision(input_id=f"gen:{line.strip()}", source=line.split()[1], kept=False, reason=got)
            )
        else:
            made.append(got)
    return made


def _distinct(
    candidates: list[TestInput], cfg: MaterializeConfig, decisions: list[InputDecision]
) -> list[TestInput]:
    """The first of each input, within the size limit; the others are recorded in ``decisions``."""
    unique: list[TestInput] = []
    seen: set[str] = set()
    for ti in candidates:
        if ti.id in seen:
            decisions.append(InputDecision(input_id=ti.id, source=ti.source, kept=False, reason="duplicate"))
            continue
        if len(ti.data.encode("utf-8")) > cfg.max_input_bytes:
            decisions.append(InputDecision(input_id=ti.id, source=ti.source, kept=False, reason="too_large"))
            continue
        seen.add(ti.id)
        unique.append(ti)
    return unique


async def _validate(
    gateway: JudgeGateway,
    task: TaskRecord,
    plan: TestPlan,
    unique: list[TestInput],
    cfg: MaterializeConfig,
    decisions: list[InputDecision],
) -> InputSet | Dropped:
    """The inputs the first validator that accepts every statement example accepts."""
    examples = [i for i, ti in enumerate(unique) if ti.source == "example"]
    rows = await gateway.run(
        [v.code for v in plan.validators],
        [ti.data for ti in unique],
        limits=cfg.validator_limits,
        output_cap_bytes=1024,
        tag=f"val-{task.id}",
    )
    chosen = next((v for v, row in enumerate(rows) if all(row[i].verdict == "AC" for i in examples)), None)
    if chosen is None:
        rejected = [
            _first_line(rows[0][i].stderr) or rows[0][i].verdict
            for i in examples
            if rows[0][i].verdict != "AC"
        ]
        return _dropped(
            DropReason.VALIDATOR_REJECTS_EXAMPLES,
            f"{len(plan.validators)} validator(s); first says: {'; '.join(rejected[:3])}",
            decisions,
        )
    kept: list[TestInput] = []
    for ti, out in zip(unique, rows[chosen], strict=True):
        if out.verdict == "AC":
            kept.append(ti)
        else:
            reason = "invalid" if out.verdict in ("RE", "WA") else f"validator_{out.verdict}"
            decisions.append(
                InputDecision(
                    input_id=ti.id,
                    source=ti.source,
                    kept=False,
                    reason=reason,
                    detail=_first_line(out.stderr),
                )
            )
    if len(kept) < cfg.min_inputs:
        return _dropped(
            DropReason.TOO_FEW_INPUTS, f"{len(kept)} valid input(s) < {cfg.min_inputs}", decisions
        )
    return InputSet(id=task.id, inputs=kept, validator_index=chosen, decisions=decisions)


async def materialize(
    gateway: JudgeGateway, task: TaskRecord, plan: TestPlan, cfg: MaterializeConfig
) -> InputSet | Dropped:
    decisions: list[InputDecision] = []
    generated = await _generate(gateway, task, plan, cfg, decisions)
    unique = _distinct([*example_inputs(task), *plan.prompted, *generated], cfg, decisions)
    if plan.validators:
        return await _validate(gateway, task, plan, unique, cfg, decisions)
    if cfg.require_validator:
        return _dropped(DropReason.NO_VALIDATOR, "; ".join(plan.notes)[:500], decisions)
    return InputSet(id=task.id, inputs=unique, decisions=decisions)
