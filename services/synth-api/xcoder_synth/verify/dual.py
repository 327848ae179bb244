"""Dual verification of one task: candidates label the inputs, the labels elect a golden candidate.

Steps (every program runs in the judge):
1. run every distinct usable candidate on every input, each in its own language (call tasks
   through a JSON harness); run the brute-force oracle, if any, on the small inputs;
2. group candidates into families of near-copies and behaviour classes (:mod:`.families`);
3. label each input by a reliability-weighted, checker-aware vote, or abstain (:mod:`.vote`);
   statement examples are labelled with their stated answer (an example no program reproduces
   drops the task, synthsmith.md gap 16);
4. choose the golden candidate by weighted pass rate with a hold-out; it must reproduce every
   example, and a behaviourally different rival that ties leaves no golden (:mod:`.golden`);
5. keep the labelled tests the golden candidate passes, with the golden output as the answer;
6. final check: judge the golden candidate on the exported ground truth exactly as the RL
   reward will (``xcoder_client.testcases``), and require a full pass.
Every test decision and the reason for dropping the task are recorded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from xcoder_client.testcases import parse_tests
from xcoder_wire.schemas import ProgramChecker

from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway, RunOutcome
from xcoder_synth.solutions.fingerprint import family_fingerprint, family_tokens
from xcoder_synth.solutions.sample import CandidateSet
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import InputSet, Program, TestInput
from xcoder_synth.verify.acceptance import checker_sames
from xcoder_synth.verify.compare import equivalence, judge_checker
from xcoder_synth.verify.families import behaviour_classes, families
from xcoder_synth.verify.golden import CandidateScore, GoldenConfig, Profile, Split, TestPoint, choose_golden
from xcoder_synth.verify.ground_truth import ground_truth
from xcoder_synth.verify.harness import with_call_harness
from xcoder_synth.verify.vote import Reliability, Vote, VoteRules, label_inputs


class OracleConfig(BaseModel):
    """Where the brute-force oracle runs: small inputs only, with its own limits."""

    max_input_bytes: int = Field(
        256, ge=1, description="Inputs larger than this are not given to the oracle."
    )
    sources: list[str] = Field(
        default_factory=lambda: ["example", "prompted", "small", "random"],
        description="Input sources the oracle runs on (size permitting).",
    )
    limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))


class TimeLimitConfig(BaseModel):
    """The exported time limit, calibrated from the golden solution's measured CPU time.

    ``factor`` × the golden's slowest kept test, within ``[min_s, max_s]`` — the usual setter's
    rule (Polygon and Codeforces practice: two to three times the model solution's time), so a
    naive solution that is several times slower fails by TLE in the exported tests.
    """

    factor: float = Field(3.0, ge=1)
    min_s: float = Field(1.0, gt=0)
    max_s: float = Field(10.0, gt=0, le=60)


def calibrated_time_limit(golden_time_s: float, cfg: TimeLimitConfig) -> float:
    return round(min(cfg.max_s, max(cfg.min_s, cfg.factor * golden_time_s)), 3)


class VerifyConfig(BaseModel):
    min_candidates: int = Field(4, ge=1, description="Distinct usable candidates needed to vote.")
    min_agreement: float = Field(0.5, gt=0, le=1, description="Winning group / all voters.")
    min_votes: int = Field(2, ge=1)
    min_tests: int = Field(5, ge=1, description="Labelled tests a task must keep.")
    on_sample_mismatch: Literal["drop_task", "drop_test"] = "drop_task"
    limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))
    output_cap_bytes: int = Field(1 << 20, ge=1024, le=1 << 24, description="First cap on returned stdout.")
    max_output_cap_bytes: int = Field(
        1 << 24,
        ge=1024,
        le=1 << 24,
        description="A program whose output was cut runs again with an 8× larger cap, up to this.",
    )
    votes: VoteRules = Field(default_factory=VoteRules)
    oracle: OracleConfig = Field(default_factory=OracleConfig)
    golden: GoldenConfig = Field(default_factory=GoldenConfig)
    time_limit: TimeLimitConfig = Field(default_factory=TimeLimitConfig)
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
    support: int = Field(0, description="Independent supporters of the winning group (families, oracle).")
    oracle: str = Field("absent", description="Oracle on this input: agrees, disagrees or absent.")


class CandidateOutcome(BaseModel):
    candidate_id: str
    position: int | None = Field(None, description="Voter position; None for duplicates and rejected ones.")
    usable: bool
    language: str = "python3"
    duplicate_of: str | None = None
    family: int | None = Field(None, description="Family index (near-copies share one vote).")
    behaviour: int | None = Field(None, description="Behaviour class index.")
    weight: float | None = Field(None, description="Its family's reliability weight.")
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
    golden_language: str = "python3"
    golden_time_s: float = Field(0.0, description="The golden's slowest kept test (CPU seconds).")
    time_limit_s: float | None = Field(None, description="Calibrated time limit of the exported tests.")
    reliabilities: list[Reliability] = Field(default_factory=list, description="Family weights of the vote.")
    oracle: str = Field("none", description="none, used, or why it was set aside.")


def _dropped(
    reason: DropReason,
    detail: str,
    decisions: list[TestDecision] | None = None,
    agreements: list[float] | None = None,
) -> Dropped:
    """The report keeps every per-input decision and the vote's agreements of a dropped task."""
    return Dropped(
        reason=reason,
        detail=detail,
        extra={"decisions": [d.model_dump() for d in decisions or []], "agreements": agreements or []},
    )


def _programs(task: TaskRecord, codes: list[str]) -> list[str]:
    if task.io == "call":
        assert task.fn_name is not None
        return [with_call_harness(code, task.fn_name) for code in codes]
    return codes


async def _run_oracle(
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
        _programs(task, [oracle.code]),
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


async def verify_task(
    gateway: JudgeGateway,
    task: TaskRecord,
    candidates: CandidateSet,
    inputs: InputSet,
    cfg: VerifyConfig,
    *,
    oracle: Program | None = None,
) -> VerifiedTask | Dropped:
    voters = candidates.voters
    if len(voters) < cfg.min_candidates:
        return _dropped(
            reason=DropReason.TOO_FEW_CANDIDATES,
            detail=f"{len(voters)} distinct usable candidate(s) < {cfg.min_candidates}",
        )
    checker = judge_checker(task)
    same = None if isinstance(checker, ProgramChecker) else equivalence(checker)
    programs = _programs(task, [c.code or "" for c in voters])
    datas = [ti.data for ti in inputs.inputs]
    languages = [c.language for c in voters]
    matrix = await gateway.run(
        programs, datas, limits=cfg.limits, output_cap_bytes=cfg.output_cap_bytes, tag=f"vote-{task.id}",
        languages=languages,
    )  # fmt: skip
    # Output caps sized to the task: a cut output is not a failed run, it is a larger answer.
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
    oracle_row, oracle_status = await _run_oracle(gateway, task, oracle, inputs.inputs, cfg)
    stated = [ti.stated_output for ti in inputs.inputs]
    if same is None:
        outputs = [
            {row[i].stdout or "" for row in matrix if row[i].ran}
            | ({oracle_row[i].stdout or ""} if oracle_row[i] is not None and oracle_row[i].ran else set())  # type: ignore[union-attr]
            for i in range(len(inputs.inputs))
        ]
        sames, relation = await checker_sames(
            gateway,
            task_id=task.id,
            checker=checker.model_dump(),
            inputs=[ti.data for ti in inputs.inputs],
            outputs=outputs,
            stated=stated,
            limits=cfg.limits,
        )
        if not relation.valid:
            return _dropped(reason=DropReason.CHECKER_INVALID, detail=relation.detail[:500])
    else:
        sames = [same] * len(inputs.inputs)
    for i, o in enumerate(oracle_row):
        s_i = stated[i]
        if o is not None and s_i is not None and not (o.ran and sames[i](o.stdout or "", s_i)):
            # An oracle that gets the statement's own example wrong is no evidence at all.
            oracle_row = [None] * len(inputs.inputs)
            oracle_status = f"set_aside: wrong on example {inputs.inputs[i].id}"
            break
    behaviour = behaviour_classes(matrix, sames)
    family = (
        list(range(len(voters)))
        if cfg.votes.method == "plain"
        else families(
            [c.family or family_fingerprint(c.code or "", c.language) for c in voters],
            [family_tokens(c.code or "", c.language) for c in voters],
            behaviour,
            near_copy_similarity=cfg.votes.near_copy_similarity,
        )
    )
    ballot = label_inputs(
        matrix,
        sames,
        min_agreement=cfg.min_agreement,
        min_votes=cfg.min_votes,
        family=family,
        stated=stated,
        oracle=oracle_row,
        rules=cfg.votes,
    )
    votes = ballot.votes
    agreements = [v.agreement for v in votes]

    decisions: list[TestDecision] = []
    labelled: list[tuple[int, Vote]] = []
    for i, (ti, v) in enumerate(zip(inputs.inputs, votes, strict=True)):
        reason = v.status
        decisions.append(
            TestDecision(
                input_id=ti.id,
                source=ti.source,
                kept=reason == "labelled",
                reason=reason,
                agreement=round(v.agreement, 4),
                votes=v.votes,
                voters=v.voters,
                support=v.support,
                oracle=v.oracle,
            )
        )
        if reason == "labelled":
            labelled.append((i, v))
        elif reason == "sample_mismatch" and cfg.on_sample_mismatch == "drop_task":
            return _dropped(
                reason=DropReason.SAMPLE_MISMATCH,
                detail=f"no candidate reproduces the statement's answer to example {ti.id}",
                decisions=decisions,
                agreements=agreements,
            )

    if len(labelled) < cfg.min_tests:
        return _dropped(
            reason=DropReason.TOO_FEW_TESTS,
            detail=f"{len(labelled)} labelled test(s) < {cfg.min_tests}",
            decisions=decisions,
            agreements=agreements,
        )

    points = [
        TestPoint(id=inputs.inputs[i].id, source=inputs.inputs[i].source, agreement=v.agreement)
        for i, v in labelled
    ]
    passes = [
        [row[i].ran and sames[i](row[i].stdout or "", v.label or "") for i, v in labelled] for row in matrix
    ]
    weight_of_family = {r.family: r.weight for r in ballot.reliabilities}
    size_of_family = {r.family: len(r.members) for r in ballot.reliabilities}
    share = [weight_of_family[family[p]] / size_of_family[family[p]] for p in range(len(voters))]
    oracle_inputs = [i for i, o in enumerate(oracle_row) if o is not None and o.ran]
    profiles = []
    for p, row in enumerate(matrix):
        agree = sum(
            1
            for i in oracle_inputs
            if row[i].ran and sames[i](row[i].stdout or "", oracle_row[i].stdout or "")  # type: ignore[union-attr]
        )
        profiles.append(
            Profile(
                behaviour=behaviour[p],
                support=sum(share[q] for q in range(len(voters)) if behaviour[q] == behaviour[p]),
                oracle_agreement=agree / len(oracle_inputs) if oracle_inputs else 0.0,
                key=voters[p].id,
            )
        )
    choice = choose_golden(passes, points, cfg.golden, profiles)
    if choice.position is None:
        return _dropped(
            reason=DropReason(choice.code or "no_golden"),
            detail=choice.reason,
            decisions=decisions,
            agreements=agreements,
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
        return _dropped(
            reason=DropReason.TOO_FEW_TESTS,
            detail=f"{len(tests)} test(s) pass the golden candidate < {cfg.min_tests}",
            decisions=decisions,
            agreements=agreements,
        )

    golden_time = max((matrix[g][i].time_s for i, _ in labelled), default=0.0)
    time_limit = calibrated_time_limit(golden_time, cfg.time_limit)
    if cfg.final_check:
        suite = parse_tests(ground_truth(task, [(t.input, t.output) for t in tests]))
        result = await gateway.judge_suite(
            golden.code or "",
            suite,
            checker=checker.model_dump(),
            limits=cfg.limits.model_copy(update={"time_s": min(cfg.limits.time_s, time_limit)}),
            tag=f"final-{task.id}",
            language=golden.language,
        )
        if result.verdict.value != "AC" or result.passed != len(tests):
            return _dropped(
                reason=DropReason.GOLDEN_FAILS_FINAL_CHECK,
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
                language=c.language,
                duplicate_of=c.duplicate_of,
                family=family[source_pos] if source_pos is not None else None,
                behaviour=behaviour[source_pos] if source_pos is not None else None,
                weight=round(share[source_pos], 4) if source_pos is not None else None,
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
        golden_language=golden.language,
        golden_time_s=round(golden_time, 4),
        time_limit_s=time_limit,
        reliabilities=ballot.reliabilities,
        oracle=oracle_status,
    )
