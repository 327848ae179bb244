"""Dual verification of one task: candidates label the inputs, the labels elect a golden candidate.

Steps (every program runs in the judge), one function each, in the order :func:`verify_task`
calls them:
1. :func:`~.evidence.gather_evidence`: run every distinct usable candidate on every input, each
   in its own language (call tasks through a JSON harness); run the brute-force oracle, if any,
   on the small inputs; build each input's equivalence from the checker (:mod:`.evidence`);
2. :func:`_ballot`: group candidates into families of near-copies and behaviour classes
   (:mod:`.families`), label each input by a reliability-weighted, checker-aware vote, or
   abstain (:mod:`.vote`); statement examples are labelled with their stated answer;
3. :func:`_decide`: one decision per input; an example no program reproduces drops the task
   (synthsmith.md gap 16), and too few labelled inputs drop it;
4. :func:`_elect`: choose the golden candidate by weighted pass rate with a hold-out; it must
   reproduce every example, and a behaviourally different rival that ties leaves no golden
   (:mod:`.golden`);
5. :func:`_keep_tests`: keep the labelled tests the golden candidate passes, with the golden
   output as the answer;
6. :func:`_final_check`: judge the golden candidate on the exported ground truth exactly as the
   RL reward will (``xcoder_client.testcases``), and require a full pass.
Every test decision and the reason for dropping the task are recorded (:mod:`.records`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xcoder_client.testcases import parse_tests

from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.judge_gateway import JudgeGateway
from xcoder_synth.solutions.fingerprint import family_fingerprint, family_tokens
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import InputSet, Program, TestInput
from xcoder_synth.verify.config import (
    OracleConfig,
    TimeLimitConfig,
    VerifyConfig,
    calibrated_time_limit,
)
from xcoder_synth.verify.evidence import Evidence, gather_evidence
from xcoder_synth.verify.families import behaviour_classes, families
from xcoder_synth.verify.golden import GoldenChoice, Profile, TestPoint, choose_golden
from xcoder_synth.verify.ground_truth import ground_truth
from xcoder_synth.verify.records import (
    CandidateOutcome,
    LabelledTest,
    TestDecision,
    VerifiedTask,
    candidate_outcomes,
    decision,
    dropped,
)
from xcoder_synth.verify.vote import Ballot, Vote, label_inputs

__all__ = [
    "CandidateOutcome",
    "LabelledTest",
    "OracleConfig",
    "TestDecision",
    "TimeLimitConfig",
    "VerifiedTask",
    "VerifyConfig",
    "calibrated_time_limit",
    "verify_task",
]


@dataclass
class _Groups:
    """Step 2's result: who votes together, who behaves alike, and the vote itself."""

    family: list[int]
    behaviour: list[int]
    ballot: Ballot


@dataclass
class _Election:
    """Step 4's result: the choice and what it was computed from."""

    choice: GoldenChoice
    passes: list[list[bool]]  # passes[voter][labelled test]
    share: list[float]  # each voter's share of its family's weight


def _ballot(voters: list[Candidate], ev: Evidence, cfg: VerifyConfig) -> _Groups:
    behaviour = behaviour_classes(ev.matrix, ev.sames)
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
        ev.matrix,
        ev.sames,
        min_agreement=cfg.min_agreement,
        min_votes=cfg.min_votes,
        family=family,
        stated=ev.stated,
        oracle=ev.oracle,
        rules=cfg.votes,
    )
    return _Groups(family, behaviour, ballot)


def _decide(
    inputs: list[TestInput], votes: list[Vote], cfg: VerifyConfig
) -> tuple[list[TestDecision], list[tuple[int, Vote]]] | Dropped:
    """Each input's decision and the labelled ones; drops on a sample mismatch or too few labels."""
    agreements = [v.agreement for v in votes]
    decisions: list[TestDecision] = []
    labelled: list[tuple[int, Vote]] = []
    for i, (ti, v) in enumerate(zip(inputs, votes, strict=True)):
        decisions.append(decision(ti, v))
        if v.status == "labelled":
            labelled.append((i, v))
        elif v.status == "sample_mismatch" and cfg.on_sample_mismatch == "drop_task":
            return dropped(
                reason=DropReason.SAMPLE_MISMATCH,
                detail=f"no candidate reproduces the statement's answer to example {ti.id}",
                decisions=decisions,
                agreements=agreements,
            )
    if len(labelled) < cfg.min_tests:
        return dropped(
            reason=DropReason.TOO_FEW_TESTS,
            detail=f"{len(labelled)} labelled test(s) < {cfg.min_tests}",
            decisions=decisions,
            agreements=agreements,
        )
    return decisions, labelled


def _elect(
    voters: list[Candidate],
    inputs: list[TestInput],
    labelled: list[tuple[int, Vote]],
    ev: Evidence,
    groups: _Groups,
    cfg: VerifyConfig,
) -> _Election:
    matrix, sames, oracle = ev.matrix, ev.sames, ev.oracle
    points = [TestPoint(id=inputs[i].id, source=inputs[i].source, agreement=v.agreement) for i, v in labelled]
    passes = [
        [row[i].ran and sames[i](row[i].stdout or "", v.label or "") for i, v in labelled] for row in matrix
    ]
    weight_of_family = {r.family: r.weight for r in groups.ballot.reliabilities}
    size_of_family = {r.family: len(r.members) for r in groups.ballot.reliabilities}
    share = [weight_of_family[f] / size_of_family[f] for f in groups.family]
    oracle_inputs = [i for i, o in enumerate(oracle) if o is not None and o.ran]
    behaviour = groups.behaviour
    profiles = []
    for p, row in enumerate(matrix):
        agree = sum(
            1
            for i in oracle_inputs
            if row[i].ran and sames[i](row[i].stdout or "", oracle[i].stdout or "")  # type: ignore[union-attr]
        )
        profiles.append(
            Profile(
                behaviour=behaviour[p],
                support=sum(share[q] for q in range(len(voters)) if behaviour[q] == behaviour[p]),
                oracle_agreement=agree / len(oracle_inputs) if oracle_inputs else 0.0,
                key=voters[p].id,
            )
        )
    return _Election(choose_golden(passes, points, cfg.golden, profiles), passes, share)


def _keep_tests(
    inputs: list[TestInput],
    labelled: list[tuple[int, Vote]],
    decisions: list[TestDecision],
    ev: Evidence,
    el: _Election,
    g: int,
) -> tuple[list[LabelledTest], list[int]]:
    """The tests the golden passes (its own output is the stored answer, so it scores 1.0 under
    any checker) and their labelled columns; the others' decisions become ``golden_disagrees``."""
    tests: list[LabelledTest] = []
    kept_columns: list[int] = []
    by_id = {d.input_id: d for d in decisions}
    for k, (i, v) in enumerate(labelled):
        ti = inputs[i]
        if not el.passes[g][k]:
            by_id[ti.id].kept = False
            by_id[ti.id].reason = "golden_disagrees"
            continue
        kept_columns.append(k)
        tests.append(
            LabelledTest(
                id=ti.id,
                source=ti.source,
                input=ti.data,
                output=ev.matrix[g][i].stdout or "",
                agreement=round(v.agreement, 4),
                weight=round(el.choice.weights[k], 4),
                split=el.choice.splits[k],
            )
        )
    return tests, kept_columns


async def _final_check(
    gateway: JudgeGateway,
    task: TaskRecord,
    golden: Candidate,
    tests: list[LabelledTest],
    ev: Evidence,
    time_limit: float,
    cfg: VerifyConfig,
) -> str | None:
    """Why the golden fails its own exported tests as the reward judges them; None if it passes."""
    suite = parse_tests(ground_truth(task, [(t.input, t.output) for t in tests]))
    result = await gateway.judge_suite(
        golden.code or "",
        suite,
        checker=ev.checker.model_dump(),
        limits=cfg.limits.model_copy(update={"time_s": min(cfg.limits.time_s, time_limit)}),
        tag=f"final-{task.id}",
        language=golden.language,
    )
    if result.verdict.value == "AC" and result.passed == len(tests):
        return None
    return f"{result.verdict.value}: {result.passed}/{result.total}: {result.message}"[:500]


async def verify_task(
    gateway: JudgeGateway,
    task: TaskRecord,
    candidates: CandidateSet,
    inputs: InputSet,
    cfg: VerifyConfig,
    *,
    oracle: Program | None = None,
) -> VerifiedTask | Dropped:
    voters, tis = candidates.voters, inputs.inputs
    if len(voters) < cfg.min_candidates:
        n = len(voters)
        return dropped(
            DropReason.TOO_FEW_CANDIDATES, f"{n} distinct usable candidate(s) < {cfg.min_candidates}"
        )
    ev = await gather_evidence(gateway, task, voters, tis, cfg, oracle)  # step 1
    if isinstance(ev, Dropped):
        return ev
    groups = _ballot(voters, ev, cfg)  # step 2
    agreements = [v.agreement for v in groups.ballot.votes]
    decided = _decide(tis, groups.ballot.votes, cfg)  # step 3
    if isinstance(decided, Dropped):
        return decided
    decisions, labelled = decided
    el = _elect(voters, tis, labelled, ev, groups, cfg)  # step 4
    if (g := el.choice.position) is None:
        return dropped(DropReason(el.choice.code or "no_golden"), el.choice.reason, decisions, agreements)
    tests, kept_columns = _keep_tests(tis, labelled, decisions, ev, el, g)  # step 5
    if len(tests) < cfg.min_tests:
        detail = f"{len(tests)} test(s) pass the golden candidate < {cfg.min_tests}"
        return dropped(DropReason.TOO_FEW_TESTS, detail, decisions, agreements)
    golden_time = max((ev.matrix[g][i].time_s for i, _ in labelled), default=0.0)
    time_limit = calibrated_time_limit(golden_time, cfg.time_limit)
    if cfg.final_check and (why := await _final_check(gateway, task, voters[g], tests, ev, time_limit, cfg)):
        return dropped(DropReason.GOLDEN_FAILS_FINAL_CHECK, why, decisions, agreements)  # step 6
    passed_all = {p: all(el.passes[p][k] for k in kept_columns) for p in range(len(voters))}
    outcomes = candidate_outcomes(
        candidates,
        voters,
        family=groups.family,
        behaviour=groups.behaviour,
        share=el.share,
        passed_all=passed_all,
        passed=[sum(1 for k in kept_columns if el.passes[p][k]) for p in range(len(voters))],
        ranking=el.choice.ranking,
    )
    return VerifiedTask(
        id=task.id,
        task=task,
        tests=tests,
        golden_candidate_id=voters[g].id,
        golden_code=voters[g].code or "",
        pass_rate=round(sum(passed_all.values()) / len(voters), 4),
        candidates=outcomes,
        decisions=decisions,
        agreements=agreements,
        golden_language=voters[g].language,
        golden_time_s=round(golden_time, 4),
        time_limit_s=time_limit,
        reliabilities=groups.ballot.reliabilities,
        oracle=ev.oracle_status,
    )
