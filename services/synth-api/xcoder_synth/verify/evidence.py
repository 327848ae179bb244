"""Steps 1 and 2 of dual verification: run every program in the judge, decide what "same" means.

The result, :class:`Evidence`, is all the later steps look at: the output matrix (voters ×
inputs), the oracle's outputs where it ran and was trusted, the statement's stated answers, and
one equivalence ``same_i`` per input (plain comparison under a built-in checker, checker-program
acceptance otherwise, :mod:`.acceptance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xcoder_wire.schemas import ProgramChecker

from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.judge_gateway import JudgeGateway, RunOutcome
from xcoder_synth.solutions.sample import Candidate
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import Program, TestInput
from xcoder_synth.verify.acceptance import checker_sames
from xcoder_synth.verify.compare import JudgeChecker, Same, equivalence, judge_checker
from xcoder_synth.verify.config import VerifyConfig
from xcoder_synth.verify.harness import with_call_harness
from xcoder_synth.verify.records import dropped


@dataclass
class Evidence:
    """What the judge showed about one task's candidates and oracle."""

    checker: JudgeChecker
    matrix: list[list[RunOutcome]]
    oracle: list[RunOutcome | None]
    oracle_status: str
    stated: list[str | None]
    sames: list[Same]


def programs_for(task: TaskRecord, codes: list[str]) -> list[str]:
    """The programs as the judge runs them: call tasks get the JSON harness around the solution."""
    if task.io == "call":
        assert task.fn_name is not None
        return [with_call_harness(code, task.fn_name) for code in codes]
    return codes


async def run_voters(
    gateway: JudgeGateway, task: TaskRecord, voters: Sequence[Candidate], datas: list[str], cfg: VerifyConfig
) -> list[list[RunOutcome]]:
    """Every voter on every input, each in its own language. Output caps are sized to the task:
    a cut output is not a failed run, it is a larger answer, so those programs run again 8× larger."""
    programs = programs_for(task, [c.code or "" for c in voters])
    languages = [c.language for c in voters]
    matrix = await gateway.run(
        programs, datas, limits=cfg.limits, output_cap_bytes=cfg.output_cap_bytes, tag=f"vote-{task.id}",
        languages=languages,
    )  # fmt: skip
    cap = cfg.output_cap_bytes
    while cap < cfg.max_output_cap_bytes:
        cut = [p for p, row in enumerate(matrix) if any(o.truncated for o in row)]
        if not cut:
            break
        cap = min(cfg.max_output_cap_bytes, cap * 8)
        rows = await gateway.run(
            [programs[p] for p in cut], datas, limits=cfg.limits, output_cap_bytes=cap, tag=f"vote-{task.id}",
            languages=[languages[p] for p in cut],
        )  # fmt: skip
        for p, row in zip(cut, rows, strict=True):
            matrix[p] = row
    return matrix


async def run_oracle(
    gateway: JudgeGateway,
    task: TaskRecord,
    oracle: Program | None,
    inputs: list[TestInput],
    cfg: VerifyConfig,
) -> tuple[list[RunOutcome | None], str]:
    """The oracle's outcome per input (None where it was not run), and its status."""
    none: list[RunOutcome | None] = [None] * len(inputs)
    if oracle is None:
        return none, "none"
    where = [
        i
        for i, ti in enumerate(inputs)
        if ti.source in cfg.oracle.sources and len(ti.data.encode("utf-8")) <= cfg.oracle.max_input_bytes
    ]
    if not where:
        return none, "no_small_inputs"
    (row,) = await gateway.run(
        programs_for(task, [oracle.code]),
        [inputs[i].data for i in where],
        limits=cfg.oracle.limits,
        output_cap_bytes=cfg.output_cap_bytes,
        tag=f"oracle-{task.id}",
        languages=[oracle.language],
    )
    out = list(none)
    for i, o in zip(where, row, strict=True):
        out[i] = o
    return out, "used"


def _seen_outputs(matrix: list[list[RunOutcome]], oracle: list[RunOutcome | None], i: int) -> set[str]:
    seen = {row[i].stdout or "" for row in matrix if row[i].ran}
    o = oracle[i]
    return seen | ({o.stdout or ""} if o is not None and o.ran else set())


def oracle_doubt(
    oracle: list[RunOutcome | None], stated: list[str | None], sames: list[Same], inputs: list[TestInput]
) -> str | None:
    """Why the oracle is set aside: it gets a statement example wrong (then it is no evidence)."""
    for i, o in enumerate(oracle):
        s_i = stated[i]
        if o is not None and s_i is not None and not (o.ran and sames[i](o.stdout or "", s_i)):
            return f"set_aside: wrong on example {inputs[i].id}"
    return None


async def gather_evidence(
    gateway: JudgeGateway,
    task: TaskRecord,
    voters: Sequence[Candidate],
    inputs: list[TestInput],
    cfg: VerifyConfig,
    oracle: Program | None,
) -> Evidence | Dropped:
    """Run voters and oracle, build each input's equivalence; a checker that fails its own
    examples drops the task (``checker_invalid``)."""
    checker = judge_checker(task)
    datas = [ti.data for ti in inputs]
    matrix = await run_voters(gateway, task, voters, datas, cfg)
    oracle_row, oracle_status = await run_oracle(gateway, task, oracle, inputs, cfg)
    stated = [ti.stated_output for ti in inputs]
    if isinstance(checker, ProgramChecker):
        sames, relation = await checker_sames(
            gateway,
            task_id=task.id,
            checker=checker.model_dump(),
            inputs=datas,
            outputs=[_seen_outputs(matrix, oracle_row, i) for i in range(len(inputs))],
            stated=stated,
            limits=cfg.limits,
        )
        if not relation.valid:
            return dropped(reason=DropReason.CHECKER_INVALID, detail=relation.detail[:500])
    else:
        sames = [equivalence(checker)] * len(inputs)
    if (doubt := oracle_doubt(oracle_row, stated, sames, inputs)) is not None:
        oracle_row, oracle_status = [None] * len(inputs), doubt
    return Evidence(checker, matrix, oracle_row, oracle_status, stated, sames)
