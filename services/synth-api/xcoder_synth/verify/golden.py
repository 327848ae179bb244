"""Choose the golden solution: weighted pass rate on a selection split, confirmed on a hold-out.

X-Coder took an unweighted argmax with first-index ties and no hold-out or threshold
(synthsmith.md gap 13). Here:

- each labelled test has a weight: ``source_weight × (1 + disagreement_weight × (1 − agreement))``,
  so contested tests and maximum-size tests count more;
- tests are split by a hash of their id into *selection* and *hold-out* (examples always go to
  selection: they are public);
- candidates are ranked by weighted pass rate on selection, then hold-out pass rate, then pool
  position (deterministic); the golden one is the best that reaches ``min_selection_score``
  and ``min_holdout_pass``.
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
        default_factory=lambda: {"example": 1.0, "prompted": 1.0, "random": 1.0, "max": 2.0}
    )
    disagreement_weight: float = Field(1.0, ge=0)


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


class GoldenChoice(BaseModel):
    position: int | None
    reason: str = ""
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


def choose_golden(
    passes: Sequence[Sequence[bool]], points: Sequence[TestPoint], cfg: GoldenConfig
) -> GoldenChoice:
    """``passes[candidate][test]``: did the candidate's output match the test's label."""
    splits = assign_splits(points, cfg.holdout_fraction)
    weights = [weight_of(p, cfg) for p in points]
    sel = [i for i, s in enumerate(splits) if s == "selection"]
    hold = [i for i, s in enumerate(splits) if s == "holdout"]
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
            )
        )
    ranking.sort(key=lambda c: (-c.selection_score, -c.holdout_pass, c.position))
    for cand in ranking:
        if cand.selection_score >= cfg.min_selection_score and cand.holdout_pass >= cfg.min_holdout_pass:
            return GoldenChoice(position=cand.position, splits=splits, weights=weights, ranking=ranking)
    best = ranking[0] if ranking else None
    reason = (
        f"best candidate scores {best.selection_score:.3f} on selection and {best.holdout_pass:.3f} on hold-out"
        if best
        else "no candidates"
    )
    return GoldenChoice(position=None, reason=reason, splits=splits, weights=weights, ranking=ranking)
