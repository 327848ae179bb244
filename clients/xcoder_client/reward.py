"""Turning one rollout into a reward: shared by the verl, ms-swift and SFT-filter paths.

`plan_rollout` extracts the program and builds its submission (no I/O); `score_rollout` turns
the judge's result into a `RewardOutcome`. Keeping both pure means every path scores the same
response the same way, and the alignment of rewards with rollouts is a property of the data
flow (one plan, one result, one outcome), not of list positions kept in step by hand.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from xcoder_wire.schemas import (
    MAX_MEMORY_MB,
    MAX_TIME_S,
    MIN_MEMORY_MB,
    Limits,
    OutputMode,
    Priority,
    Submission,
    SubmissionResult,
    Verdict,
)

from xcoder_client.checkers import parse_checker
from xcoder_client.errors import TestFormatError
from xcoder_client.extract import Extraction, extract_code
from xcoder_client.languages import resolve_language
from xcoder_client.testcases import (
    TestSuite,
    build_submission,
    parse_tests,
    select_tests,
    suite_key,
)


class RewardShape(str, enum.Enum):
    binary = "binary"
    """1 if every test passed, else 0."""
    fraction = "fraction"
    """Fraction of tests passed, in [0, 1]."""
    xcoder = "xcoder"
    """X-Coder's: 5 × fraction passed; −2 when there is no parsable code (none extracted, or CE)."""


XCODER_SCALE = 5.0
XCODER_NO_CODE = -2.0
CHECKER_ERROR_SCORE = 0.0
"""The reward when a checker, interactor or assert tester failed on the rollout's output.

The judge reports that as WA with reason `checker_error`: deterministic, so a retry cannot
help, and excluding it would let an output that crashes the checker escape its penalty.
"""


class RewardConfig(BaseModel):
    """How rollouts are turned into submissions and scores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shape: RewardShape = RewardShape.fraction
    language: str = "python"
    max_tests: int | None = Field(
        10, ge=1, description="Deterministic per-task subset size; None: all tests."
    )
    time_limit_s: float | None = Field(None, gt=0, le=MAX_TIME_S)
    memory_mb: int | None = Field(None, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)
    allow_unterminated: bool = False
    priority: Priority = Priority.interactive
    checker_error_score: float | None = Field(
        CHECKER_ERROR_SCORE,
        description="Reward when the checker failed on the output (reason checker_error); None: unscored.",
    )

    def limits(self) -> Limits | None:
        if self.time_limit_s is None and self.memory_mb is None:
            return None
        fields: dict[str, Any] = {}
        if self.time_limit_s is not None:
            fields["time_s"] = self.time_limit_s
        if self.memory_mb is not None:
            fields["memory_mb"] = self.memory_mb
        return Limits(**fields)


@dataclass(frozen=True, slots=True)
class RolloutPlan:
    extraction: Extraction
    suite: TestSuite
    """The tests this rollout is judged on (the per-task subset)."""
    submission: Submission | None
    """None when there is nothing to judge (no code extracted)."""


@dataclass(frozen=True, slots=True)
class RewardOutcome:
    """A rollout's reward and why. `score is None` means unscored: the judge never judged it."""

    score: float | None
    passed: int
    total: int
    verdict: Verdict | None
    extraction: Extraction
    checker_error: bool = False
    """A checker, interactor or assert tester failed on this output (counted, scored apart)."""

    @property
    def scored(self) -> bool:
        return self.score is not None

    @property
    def judge_error(self) -> bool:
        return self.score is None

    def diagnostics(self) -> dict[str, float]:
        """Numeric diagnostics with the same keys on every call (verl builds arrays from them)."""
        return {
            "acc": 1.0 if self.verdict is Verdict.AC else 0.0,
            "pass_rate": self.passed / self.total if self.total and self.score is not None else 0.0,
            "passed": float(self.passed),
            "total": float(self.total),
            "format_ok": 1.0 if self.extraction.ok else 0.0,
            "compile_error": 1.0 if self.verdict is Verdict.CE else 0.0,
            "judge_error": 1.0 if self.judge_error else 0.0,
            "checker_error": 1.0 if self.checker_error else 0.0,
        }


def task_language(row: Mapping[str, Any] | None = None, *, extra_info: Any = None) -> str | None:
    """A row's own solution language: its `language` column, else `extra_info.language`.

    Datasets mix Python and C++ tasks; a row that names its language is extracted and judged in
    it, whatever the run's default. Raises TestFormatError for a language we do not know.
    """
    values = [row.get("language") if isinstance(row, Mapping) else None]
    for info in (row.get("extra_info") if isinstance(row, Mapping) else None, extra_info):
        if isinstance(info, str) and info.lstrip().startswith("{"):
            try:
                info = json.loads(info)
            except json.JSONDecodeError:
                info = None
        values.append(info.get("language") if isinstance(info, Mapping) else None)
    for value in values:
        if isinstance(value, str) and value.strip():
            try:
                return resolve_language(value).name
            except ValueError as exc:
                raise TestFormatError(f"language: {exc}") from exc
    return None


def plan_rollout(
    response: str,
    tests: Any,
    config: RewardConfig,
    *,
    task_id: Any = None,
    checker: Any = None,
    language: str | None = None,
) -> RolloutPlan:
    """Extract the program from `response` and build its submission on the task's test subset.

    `language` is the row's own language (`task_language`); None: the config's.

    `checker` is the task's own output checker (a judge checker object, or its JSON), e.g. a
    float tolerance, as `xcoder_client.checkers.task_checker` finds it in the row; without one
    the judge's default token comparison applies.
    Raises TestFormatError when `tests` or `checker` cannot be understood (a dataset problem).
    """
    suite = parse_tests(tests)
    subset = select_tests(suite, config.max_tests, key=suite_key(suite, task_id))
    language = language or config.language
    extraction = extract_code(response, language, allow_unterminated=config.allow_unterminated)
    if extraction.code is None:
        return RolloutPlan(extraction, subset, None)
    submission = build_submission(
        extraction.code,
        subset,
        language=language,
        limits=config.limits(),
        checker=parse_checker(checker),
        stop_on_first_failure=config.shape is RewardShape.binary,
        output=OutputMode.none,
        priority=config.priority,
    )
    return RolloutPlan(extraction, subset, submission)


def score_rollout(
    plan: RolloutPlan,
    result: SubmissionResult | None,
    shape: RewardShape,
    *,
    checker_error_score: float | None = CHECKER_ERROR_SCORE,
) -> RewardOutcome:
    """The reward of one rollout given its judge result (None only when nothing was submitted).

    A result where the checker failed on the output scores `checker_error_score` (None:
    unscored, like a judge error) whatever the shape.
    """
    total = len(plan.suite.tests)
    if plan.submission is None:
        no_code = XCODER_NO_CODE if shape is RewardShape.xcoder else 0.0
        return RewardOutcome(no_code, 0, total, None, plan.extraction)
    if result is None or not result.scored:
        return RewardOutcome(None, 0, total, Verdict.SE, plan.extraction)
    total = result.total or total
    if any(t.reason == "checker_error" for t in result.tests):
        return RewardOutcome(checker_error_score, result.passed, total, result.verdict, plan.extraction, True)
    fraction = result.passed / total if total else 0.0
    if shape is RewardShape.binary:
        score = 1.0 if result.verdict is Verdict.AC else 0.0
    elif shape is RewardShape.xcoder:
        score = XCODER_NO_CODE if result.verdict is Verdict.CE else XCODER_SCALE * fraction
    else:
        score = fraction
    assert math.isfinite(score)
    return RewardOutcome(score, result.passed, total, result.verdict, plan.extraction)
