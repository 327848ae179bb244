"""Choose the golden solution: weighted pass rate on a selection split, confirmed on a hold-out.

X-Coder took an unweighted argmax with first-index ties and no hold-out or threshold
(synthsmith.md gap 13). Here:

- each labelled test has a weight: ``source_weight × (1 + disagreement_weight × (1 − agreement))``,
  so contested tests and maximum-size tests count more;
- tests are split by a hash of their id into *selection* and *hold-out* (examples always go to
  selection: they are public);
- a candidate is eligible only if it reproduces every statement example (a hard constraint);
- candidates are ranked by weighted pass rate on selection, then hold-out pass rate, then
  independent support (the weight of the family votes behind its behaviour), then oracle
  agreement; the golden one is the best reaching ``min_selection_score`` and ``min_holdout_pass``;
- no position tie-break: if a candidate that behaves differently (another behaviour class) ties
  with it on every ranking key, the tests cannot tell them apart and there is no golden
  (``tests_not_discriminating``) unless the best one has ``rival_support_ratio`` times the
  rival's support; within one behaviour class any member is equivalent, and the smallest
  candidate id (a content hash, not a position; measured times would make reruns differ) is taken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

Split = Literal["selection", "holdout"]


class GoldenConfig(BaseModel):
    holdout_fraction: float = Field(0.3, ge=0, lt=1)
    min_selection_score: float = Field(1.0, ge=0, le=1)
    min_holdout_pass: float = Field(1.0, ge=0, le=1)
    source_weights: dict[str, float] = Field(
        default_factory=lambda: {"example": 1.0, "prompted": 1.0, "small": 1.0, "random": 1.0, "max": 2.0}
    )
    disagreement_weight: float = Field(1.0, ge=0)
    rival_support_ratio: float = Field(
        2.0,
        ge=1,
        description="A behaviourally different candidate passing every kept test leaves no golden unless the "
        "best one has this many times its support.",
    )


class TestPoint(BaseModel):
    """What golden selection needs to know about one labelled test."""

    __test__ = False

    id: str
    source: str
    agreement: float


class CandidateScore(BaseModel):
    position: int
    selection_score: float
    holdout_pass: float
    passed: int
    total: int
    eligible: bool = Field(True, description="Reproduces every statement example.")
    support: float = Field(0.0, description="Vote weight behind its behaviour class.")
    oracle_agreement: float = Field(0.0, description="Share of oracle-run inputs where it agrees.")


class GoldenChoice(BaseModel):
    position: int | None
    reason: str = ""
    code: str = Field("", description="Why there is no golden: no_golden or tests_not_discriminating.")
    splits: list[Split]
    weights: list[float]
    ranking: list[CandidateScore]


def weight_of(point: TestPoint, cfg: GoldenConfig) -> float:
    return cfg.source_weights.get(point.source, 1.0) * (
        1.0 + cfg.disagreement_weight * (1.0 - point.agreement)
    )


def assign_splits(points: Sequence[TestPoint], holdout_fraction: float) -> list[Split]:
    """Deterministic split by hash; both sides non-empty when there are enough non-example tests."""

    def u(p: TestPoint) -> float:
        return int(hashlib.sha256(f"holdout:{p.id}".encode()).hexdigest()[:12], 16) / float(1 << 48)

    splits: list[Split] = [
        "holdout" if p.source != "example" and u(p) < holdout_fraction else "selection" for p in points
    ]
    hidden = [i for i, p in enumerate(points) if p.source != "example"]
    if holdout_fraction > 0 and len(hidden) >= 2:
        if "holdout" not in splits:
            splits[min(hidden, key=lambda i: u(points[i]))] = "holdout"
        if all(splits[i] == "holdout" for i in hidden) and not any(p.source == "example" for p in points):
            splits[max(hidden, key=lambda i: u(points[i]))] = "selection"
    return splits


class Profile(BaseModel):
    """What golden selection knows about a candidate besides its passes."""

    behaviour: int = Field(description="Behaviour class (equal = equivalent outcomes everywhere).")
    support: float = 0.0
    oracle_agreement: float = 0.0
    key: str = Field(
        "", description="A content id (candidate id): the last tie-break within a behaviour class."
    )


def choose_golden(
    passes: Sequence[Sequence[bool]],
    points: Sequence[TestPoint],
    cfg: GoldenConfig,
    profiles: Sequence[Profile] | None = None,
) -> GoldenChoice:
    """``passes[candidate][test]``: did the candidate's output match the test's label.

    Steps: split and weigh the tests, rank the candidates, take the best qualified one unless a
    rival that behaves differently passes every test it passes (the tests cannot tell them apart).
    """
    profiles = list(profiles) if profiles is not None else [Profile(behaviour=p) for p in range(len(passes))]
    splits = assign_splits(points, cfg.holdout_fraction)
    weights = [weight_of(p, cfg) for p in points]
    ranking = _rank(passes, points, splits, weights, profiles)
    qualified = [
        c
        for c in ranking
        if c.eligible
        and c.selection_score >= cfg.min_selection_score
        and c.holdout_pass >= cfg.min_holdout_pass
    ]
    if not qualified:
        return GoldenChoice(
            position=None,
            code="no_golden",
            reason=_no_golden_reason(ranking),
            splits=splits,
            weights=weights,
            ranking=ranking,
        )
    best = qualified[0]
    rival = _close_rival(best, ranking, passes, profiles, cfg)
    if rival is not None:
        return GoldenChoice(
            position=None,
            code="tests_not_discriminating",
            reason=(
                f"candidate {rival.position} behaves differently from the best one ({best.position}) but "
                f"passes every kept test, with support {rival.support:.2f} vs {best.support:.2f}"
            ),
            splits=splits,
            weights=weights,
            ranking=ranking,
        )
    return GoldenChoice(position=best.position, splits=splits, weights=weights, ranking=ranking)


def _rank(
    passes: Sequence[Sequence[bool]],
    points: Sequence[TestPoint],
    splits: Sequence[str],
    weights: Sequence[float],
    profiles: Sequence[Profile],
) -> list[CandidateScore]:
    """Every candidate's scores, best first: eligible ones (every statement example passed) ahead,
    then weighted selection score, hold-out pass rate, support, oracle agreement, profile key."""
    sel = [i for i, s in enumerate(splits) if s == "selection"]
    hold = [i for i, s in enumerate(splits) if s == "holdout"]
    examples = [i for i, p in enumerate(points) if p.source == "example"]
    sel_weight = sum(weights[i] for i in sel)
    ranking: list[CandidateScore] = []
    for pos, row in enumerate(passes):
        score = sum(weights[i] for i in sel if row[i]) / sel_weight if sel_weight else 0.0
        hold_pass = sum(1 for i in hold if row[i]) / len(hold) if hold else 1.0
        ranking.append(
            CandidateScore(
                position=pos,
                selection_score=round(score, 6),
                holdout_pass=round(hold_pass, 6),
                passed=sum(1 for x in row if x),
                total=len(row),
                eligible=all(row[i] for i in examples),
                support=round(profiles[pos].support, 6),
                oracle_agreement=round(profiles[pos].oracle_agreement, 6),
            )
        )

    def merit(c: CandidateScore) -> tuple[float, float, float, float]:
        return (-c.selection_score, -c.holdout_pass, -c.support, -c.oracle_agreement)

    ranking.sort(key=lambda c: (not c.eligible, merit(c), profiles[c.position].key))
    return ranking


def _close_rival(
    best: CandidateScore,
    ranking: Sequence[CandidateScore],
    passes: Sequence[Sequence[bool]],
    profiles: Sequence[Profile],
    cfg: GoldenConfig,
) -> CandidateScore | None:
    """The first eligible candidate that behaves differently from ``best``, passes every test
    ``best`` passes, and has close to its support; None when there is none."""
    kept = [i for i, ok in enumerate(passes[best.position]) if ok]
    for c in ranking:
        if (
            c.eligible
            and profiles[c.position].behaviour != profiles[best.position].behaviour
            and all(passes[c.position][i] for i in kept)
            and (best.support < cfg.rival_support_ratio * c.support or c.support == best.support)
        ):
            return c
    return None


def _no_golden_reason(ranking: Sequence[CandidateScore]) -> str:
    """Why no candidate qualified, from the best-ranked one."""
    if not ranking:
        return "no candidates"
    best = ranking[0]
    if not best.eligible:
        return "no candidate reproduces every statement example"
    return f"best candidate scores {best.selection_score:.3f} on selection and {best.holdout_pass:.3f} on hold-out"
