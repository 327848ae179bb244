"""Dual verification of one task: candidates label the inputs, the labels elect a golden candidate.

Steps (every program runs in the judge):
1. run every distinct usable candidate on every input (call tasks through a JSON harness);
2. label each input by checker-aware vote, or abstain (:mod:`.vote`);
3. compare labels with the statement's own examples (a disagreement drops the task by default,
   synthsmith.md gap 16);
4. choose the golden candidate by weighted pass rate with a hold-out (:mod:`.golden`);
5. keep the labelled tests the golden candidate passes, with the golden output as the answer;
6. final check: judge the golden candidate on the exported ground truth exactly as the RL
   reward will (``xcoder_client.testcases``), and require a full pass.
Every test decision and the reason for dropping the task are recorded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from xcoder_client.testcases import parse_tests

from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import InputSet, TestInput
from xcoder_synth.verify.compare import Same, equivalence, judge_checker
from xcoder_synth.verify.gateway import ExecLimits, JudgeGateway
from xcoder_synth.verify.golden import CandidateScore, GoldenConfig, Split, TestPoint, choose_golden
from xcoder_synth.verify.ground_truth import ground_truth
from xcoder_synth.verify.harness import with_call_harness
from xcoder_synth.verify.vote import Vote, label_inputs


class VerifyConfig(BaseModel):
    min_candidates: int = Field(4, ge=1, description="Distinct usable candidates needed to vote.")
    min_agreement: float = Field(0.5, gt=0, le=1, description="Winning group / all voters.")
    min_votes: int = Field(2, ge=1)
    min_tests: int = Field(5, ge=1, description="Labelled tests a task must keep.")
    on_sample_mismatch: Literal["drop_task", "drop_test"] = "drop_task"
    limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))
    output_cap_bytes: int = Field(1 << 20, ge=1024, le=1 << 24)
    golden: GoldenConfig = Field(default_factory=GoldenConfig)
    final_check: bool = True


class LabelledTest(BaseModel):
    id: str
    source: str
    input: str
    output: str
    agreement: float
    weight: float
    split: Split


class TestDecision(BaseModel):
    __test__ = False

    input_id: str
    source: str
    kept: bool
    reason: str
    agreement: float = 0.0
    votes: int = 0
    voters: int = 0


class CandidateOutcome(BaseModel):
    candidate_id: str
    position: int | None = Field(None, description="Voter position; None for duplicates and rejected ones.")
    usable: bool
    duplicate_of: str | None = None
    passed_all: bool = False
    passed: int = 0
    selection_score: float | None = None
    holdout_pass: float | None = None


class VerifiedTask(BaseModel):
    id: str
    task: TaskRecord
    tests: list[LabelledTest]
    golden_candidate_id: str
    golden_code: str
    pass_rate: float = Field(description="Share of distinct candidates that pass every kept test.")
    candidates: list[CandidateOutcome]
    decisions: list[TestDecision]
    agreements: list[float] = Field(description="Agreement of every input voted on (histogram source).")


class VerifyDropped(BaseModel):
    reason: str
    detail: str = ""
    decisions: list[TestDecision] = Field(default_factory=list)
    agreements: list[float] = Field(default_factory=list)


def _reason(ti: TestInput, v: Vote, same: Same) -> str:
    """Why an input is (not) a test: the vote's status, or a contradiction with the statement."""
    if v.label is None:
        return v.status
    if ti.stated_output is not None and not same(v.label, ti.stated_output):
        return "sample_mismatch"
    return "labelled"


def _programs(task: TaskRecord, voters: list[Candidate]) -> list[str]:
    codes = [c.code or "" for c in voters]
    if task.io == "call":
        assert task.fn_name is not None
        return [with_call_harness(code, task.fn_name) for code in codes]
    return codes


async def verify_task(
    gateway: JudgeGateway, task: TaskRecord, candidates: CandidateSet, inputs: InputSet, cfg: VerifyConfig
) -> VerifiedTask | VerifyDropped:
    voters = candidates.voters
    if len(voters) < cfg.min_candidates:
        return VerifyDropped(
            reason="too_few_candidates",
            detail=f"{len(voters)} distinct usable candidate(s) < {cfg.min_candidates}",
        )
    checker = judge_checker(task)
    same = equivalence(checker)
    matrix = await gateway.run(
        _programs(task, voters),
        [ti.data for ti in inputs.inputs],
        limits=cfg.limits,
        output_cap_bytes=cfg.output_cap_bytes,
        tag=f"vote-{task.id}",
    )
    votes = label_inputs(matrix, same, min_agreement=cfg.min_agreement, min_votes=cfg.min_votes)
    agreements = [v.agreement for v in votes]

    decisions: list[TestDecision] = []
    labelled: list[tuple[int, Vote]] = []
    for i, (ti, v) in enumerate(zip(inputs.inputs, votes, strict=True)):
        reason = _reason(ti, v, same)
        decisions.append(
            TestDecision(
                input_id=ti.id,
                source=ti.source,
                kept=reason == "labelled",
                reason=reason,
                agreement=round(v.agreement, 4),
                votes=v.votes,
                voters=v.voters,
            )
        )
        if reason == "labelled":
            labelled.append((i, v))
        elif reason == "sample_mismatch" and cfg.on_sample_mismatch == "drop_task":
            return VerifyDropped(
                reason="sample_mismatch",
                detail=f"the vote on example {ti.id} disagrees with the statement's answer",
                decisions=decisions,
                agreements=agreements,
            )

    if len(labelled) < cfg.min_tests:
        return VerifyDropped(
            reason="too_few_tests",
            detail=f"{len(labelled)} labelled test(s) < {cfg.min_tests}",
            decisions=decisions,
            agreements=agreements,
        )

    points = [
        TestPoint(id=inputs.inputs[i].id, source=inputs.inputs[i].source, agreement=v.agreement)
        for i, v in labelled
    ]
    passes = [
        [row[i].ran and same(row[i].stdout or "", v.label or "") for i, v in labelled] for row in matrix
    ]
    choice = choose_golden(passes, points, cfg.golden)
    if choice.position is None:
        return VerifyDropped(
            reason="no_golden", detail=choice.reason, decisions=decisions, agreements=agreements
        )
    g = choice.position
    golden = voters[g]

    # Keep the tests the golden candidate passes; its own output is the stored answer, so the
    # golden scores 1.0 under any checker (its output is checker-equivalent to the vote).
    tests: list[LabelledTest] = []
    kept_columns: list[int] = []
    by_id = {d.input_id: d for d in decisions}
    for k, (i, v) in enumerate(labelled):
        ti = inputs.inputs[i]
        if not passes[g][k]:
            by_id[ti.id].kept = False
            by_id[ti.id].reason = "golden_disagrees"
            continue
        kept_columns.append(k)
        tests.append(
            LabelledTest(
                id=ti.id,
                source=ti.source,
                input=ti.data,
                output=matrix[g][i].stdout or "",
                agreement=round(v.agreement, 4),
                weight=round(choice.weights[k], 4),
                split=choice.splits[k],
            )
        )
    if len(tests) < cfg.min_tests:
        return VerifyDropped(
            reason="too_few_tests",
            detail=f"{len(tests)} test(s) pass the golden candidate < {cfg.min_tests}",
            decisions=decisions,
            agreements=agreements,
        )

    if cfg.final_check:
        suite = parse_tests(ground_truth(task, [(t.input, t.output) for t in tests]))
        result = await gateway.judge_suite(
            golden.code or "", suite, checker=checker.model_dump(), limits=cfg.limits, tag=f"final-{task.id}"
        )
        if result.verdict.value != "AC" or result.passed != len(tests):
            return VerifyDropped(
                reason="golden_fails_final_check",
                detail=f"{result.verdict.value}: {result.passed}/{result.total}: {result.message}"[:500],
                decisions=decisions,
                agreements=agreements,
            )

    scores: dict[int, CandidateScore] = {c.position: c for c in choice.ranking}
    passed_all = {p: all(passes[p][k] for k in kept_columns) for p in range(len(voters))}
    position_of = {c.id: p for p, c in enumerate(voters)}
    outcomes: list[CandidateOutcome] = []
    for c in candidates.candidates:
        p = position_of.get(c.id)
        source_pos = p if p is not None else position_of.get(c.duplicate_of or "")
        outcomes.append(
            CandidateOutcome(
                candidate_id=c.id,
                position=p,
                usable=c.usable,
                duplicate_of=c.duplicate_of,
                passed_all=bool(source_pos is not None and c.usable and passed_all[source_pos]),
                passed=sum(1 for k in kept_columns if passes[source_pos][k]) if source_pos is not None else 0,
                selection_score=scores[p].selection_score if p is not None else None,
                holdout_pass=scores[p].holdout_pass if p is not None else None,
            )
        )
    return VerifiedTask(
        id=task.id,
        task=task,
        tests=tests,
        golden_candidate_id=golden.id,
        golden_code=golden.code or "",
        pass_rate=round(sum(passed_all.values()) / len(voters), 4),
        candidates=outcomes,
        decisions=decisions,
        agreements=agreements,
    )
