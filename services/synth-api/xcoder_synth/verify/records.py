"""What dual verification writes down: the verified task, every test decision, every candidate.

A kept task is a :class:`VerifiedTask`; a dropped one is a ``Dropped`` whose ``extra`` keeps the
decisions and agreements (:func:`dropped`), so the report counts both the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import TestInput
from xcoder_synth.verify.golden import CandidateScore, Split
from xcoder_synth.verify.vote import Reliability, Vote


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


def dropped(
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


def decision(ti: TestInput, v: Vote) -> TestDecision:
    """The vote's verdict on one input, as the report shows it."""
    return TestDecision(
        input_id=ti.id,
        source=ti.source,
        kept=v.status == "labelled",
        reason=v.status,
        agreement=round(v.agreement, 4),
        votes=v.votes,
        voters=v.voters,
        support=v.support,
        oracle=v.oracle,
    )


def candidate_outcomes(
    candidates: CandidateSet,
    voters: Sequence[Candidate],
    *,
    family: Sequence[int],
    behaviour: Sequence[int],
    share: Sequence[float],
    passed_all: dict[int, bool],
    passed: Sequence[int],
    ranking: Sequence[CandidateScore],
) -> list[CandidateOutcome]:
    """One line per sampled candidate; a duplicate shows the numbers of the voter it copies."""
    scores = {c.position: c for c in ranking}
    position_of = {c.id: p for p, c in enumerate(voters)}
    outcomes: list[CandidateOutcome] = []
    for c in candidates.candidates:
        p = position_of.get(c.id)
        src = p if p is not None else position_of.get(c.duplicate_of or "")
        outcomes.append(
            CandidateOutcome(
                candidate_id=c.id,
                position=p,
                usable=c.usable,
                language=c.language,
                duplicate_of=c.duplicate_of,
                family=family[src] if src is not None else None,
                behaviour=behaviour[src] if src is not None else None,
                weight=round(share[src], 4) if src is not None else None,
                passed_all=bool(src is not None and c.usable and passed_all[src]),
                passed=passed[src] if src is not None else 0,
                selection_score=scores[p].selection_score if p is not None else None,
                holdout_pass=scores[p].holdout_pass if p is not None else None,
            )
        )
    return outcomes
