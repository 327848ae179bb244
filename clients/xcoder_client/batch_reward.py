"""One training step's completions scored together: the core of the ms-swift, TRL and OpenRLHF rewards.

Those frameworks hand a reward function the step's completions and the dataset columns as
lists, one value per completion. `plan_batch` reads each row's tests, task id, checker and
language from those columns, `judge_plans` sends every submission of the step in one judge call,
and each rollout gets back its own outcome (by position in its own plan, never shifted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from xcoder_wire.schemas import SubmissionResult

from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.checkers import task_checker
from xcoder_client.client import JudgeClient
from xcoder_client.reward import (
    RewardConfig,
    RewardOutcome,
    RolloutPlan,
    plan_rollout,
    score_rollout,
    task_language,
)

ROW_COLUMNS = (
    "input_output",
    "selected_uts",
    "prompter_type",
    "public_test_cases",
    "private_test_cases",
    "metadata",
    "verification_info",
    "inputs",
    "outputs",
    "fn_name",
    "test_cases",
    "ground_truth",
    "reward_model",
)
"""Dataset columns read (together, as one row) when there is no tests column."""

CHECKER_COLUMNS = ("checker", "extra_info", "reward_model", "ground_truth", "verification_info", "language")
"""Columns `task_checker` and `task_language` read for the task's checker and language."""


class RowColumns(BaseModel):
    """Which columns hold a row's tests and task id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tests_column: str = "tests"
    task_id_column: str = "task_id"


def column(columns: Mapping[str, Any], name: str, i: int) -> Any:
    """Value `i` of a column given as a list; None when the column is absent or short."""
    values = columns.get(name)
    return (
        values[i]
        if isinstance(values, Sequence) and not isinstance(values, str) and i < len(values)
        else None
    )


def row_tests(columns: Mapping[str, Any], i: int, tests_column: str = "tests") -> Any:
    """The test data of row `i`, or None if the row has none."""
    tests = column(columns, tests_column, i)
    if tests is not None:
        return tests
    row = {name: column(columns, name, i) for name in ROW_COLUMNS}
    row = {k: v for k, v in row.items() if v is not None}
    return row if set(row) - {"prompter_type", "metadata", "fn_name"} else None


def row_fields(columns: Mapping[str, Any], i: int, tests_column: str = "tests") -> dict[str, Any]:
    """The columns of row `i` that may hold its checker or language, keyed as a row."""
    row = {name: column(columns, name, i) for name in CHECKER_COLUMNS}
    row["tests"] = column(columns, tests_column, i)
    return row


def completion_text(completion: Any) -> str:
    """A completion as text: a string, or a conversational completion's last assistant message."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion:
        last = completion[-1]
        if isinstance(last, Mapping):
            content = last.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, Sequence):  # multimodal parts: keep the text ones
                return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def plan_batch(
    completions: Sequence[Any],
    columns: Mapping[str, Any],
    config: RewardConfig,
    where: RowColumns | None = None,
) -> list[RolloutPlan | None]:
    """A plan per completion; None for a row without tests (multi-task data: not ours to score).

    Raises TestFormatError when a row's tests, checker or language cannot be understood.
    """
    where = where or RowColumns()
    plans: list[RolloutPlan | None] = []
    for i, completion in enumerate(completions):
        tests = row_tests(columns, i, where.tests_column)
        if tests is None:
            plans.append(None)
            continue
        fields = row_fields(columns, i, where.tests_column)
        plans.append(
            plan_rollout(
                completion_text(completion),
                tests,
                config,
                task_id=column(columns, where.task_id_column, i),
                checker=task_checker(fields),
                language=task_language(fields),
            )
        )
    return plans


def _judged(plans: Sequence[RolloutPlan | None]) -> list[int]:
    return [i for i, p in enumerate(plans) if p is not None and p.submission is not None]


def needs_judge(plans: Sequence[RolloutPlan | None]) -> bool:
    """Whether any plan has a submission (else no client is needed at all)."""
    return bool(_judged(plans))


def judge_nothing(plans: Sequence[RolloutPlan | None], config: RewardConfig) -> list[RewardOutcome | None]:
    """The outcomes of a step with nothing to submit (no code anywhere, or no tests)."""
    assert not needs_judge(plans)
    return _outcomes(plans, {}, config)


def _outcomes(
    plans: Sequence[RolloutPlan | None], results: Mapping[int, SubmissionResult], config: RewardConfig
) -> list[RewardOutcome | None]:
    return [
        None
        if plan is None
        else score_rollout(plan, results.get(i), config.shape, checker_error_score=config.checker_error_score)
        for i, plan in enumerate(plans)
    ]


async def judge_plans(
    client: AsyncJudgeClient, plans: Sequence[RolloutPlan | None], config: RewardConfig
) -> list[RewardOutcome | None]:
    """Every submission of the step in one judge call; a result the judge could not give is unscored."""
    judged = _judged(plans)
    results: dict[int, SubmissionResult] = {}
    if judged:
        answers = await client.judge([plans[i].submission for i in judged], on_error="unscored")  # type: ignore[union-attr]
        results = dict(zip(judged, answers, strict=True))
    return _outcomes(plans, results, config)


def judge_plans_sync(
    client: JudgeClient, plans: Sequence[RolloutPlan | None], config: RewardConfig
) -> list[RewardOutcome | None]:
    """The blocking twin of `judge_plans`."""
    judged = _judged(plans)
    results: dict[int, SubmissionResult] = {}
    if judged:
        answers = client.judge([plans[i].submission for i in judged], on_error="unscored")  # type: ignore[union-attr]
        results = dict(zip(judged, answers, strict=True))
    return _outcomes(plans, results, config)
