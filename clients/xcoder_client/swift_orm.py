"""ms-swift 4.x GRPO reward functions backed by the X-Coder judge.

Use through the plugin file (see `xcoder_client/plugins/xcoder_swift_plugin.py`)::

    swift rlhf --rlhf_type grpo ... \\
      --external_plugins "$(xcoder-client plugin-path swift)" \\
      --reward_funcs xcoder_judge xcoder_code_format --reward_weights 1.0 0.1

Tests come from the dataset row: a `tests` column in any format `xcoder_client.testcases`
reads, or the columns of an X-Coder / LiveCodeBench / ms-swift row (`input_output`,
`selected_uts`, `public_test_cases`, `private_test_cases`, `metadata`, `verification_info`).
Settings come from `XCODER_CLIENT_*` (swift passes no options to reward functions).

A row without tests scores None (ms-swift ignores it for this function: multi-task data), and
so does a rollout the judge could not judge (`XCODER_CLIENT_ON_JUDGE_ERROR=raise` raises
instead). swift runs async rewards with `asyncio.run` each step, so a fresh client is made per
call and closed after it: never a client from a dead event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from xcoder_wire.schemas import SubmissionResult

from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.errors import JudgeUnavailable
from xcoder_client.extract import extract_code
from xcoder_client.reward import RewardConfig, RewardShape, RolloutPlan, plan_rollout, score_rollout
from xcoder_client.settings import read_env

try:
    from swift.rewards import ORM, AsyncORM
except ImportError:  # ms-swift absent: the same contract on plain bases, so the classes stay usable

    class ORM:  # type: ignore[no-redef]
        def __init__(self, args: Any = None, **kwargs: Any) -> None:
            self.args = args

    class AsyncORM(ORM):  # type: ignore[no-redef]
        pass


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


class SwiftRewardOptions(BaseModel):
    """Read from XCODER_CLIENT_<FIELD> (e.g. XCODER_CLIENT_REWARD=binary)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reward: RewardShape = RewardShape.fraction
    max_tests: int | None = Field(10, ge=1)
    language: str = "python"
    time_limit_s: float | None = Field(None, gt=0, le=60)
    memory_mb: int | None = Field(None, ge=16, le=16384)
    tests_column: str = "tests"
    task_id_column: str = "task_id"
    on_judge_error: Literal["none", "raise"] = "none"

    def reward_config(self) -> RewardConfig:
        return RewardConfig(
            shape=self.reward,
            language=self.language,
            max_tests=self.max_tests,
            time_limit_s=self.time_limit_s,
            memory_mb=self.memory_mb,
        )


def _column(kwargs: Mapping[str, Any], name: str, i: int) -> Any:
    values = kwargs.get(name)
    return (
        values[i]
        if isinstance(values, Sequence) and not isinstance(values, str) and i < len(values)
        else None
    )


def row_tests(kwargs: Mapping[str, Any], i: int, tests_column: str = "tests") -> Any:
    """The test data of row `i` of a swift reward batch, or None if the row has none."""
    tests = _column(kwargs, tests_column, i)
    if tests is not None:
        return tests
    row = {name: _column(kwargs, name, i) for name in ROW_COLUMNS}
    row = {k: v for k, v in row.items() if v is not None}
    return row if set(row) - {"prompter_type", "metadata", "fn_name"} else None


class XCoderJudgeReward(AsyncORM):
    """Judge each completion on its row's tests; one batch call per step."""

    def __init__(self, args: Any = None, **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        self.options = read_env(SwiftRewardOptions)
        self.config = self.options.reward_config()

    async def __call__(self, completions: list[str], **kwargs: Any) -> list[float | None]:
        plans: list[RolloutPlan | None] = []
        for i, completion in enumerate(completions):
            tests = row_tests(kwargs, i, self.options.tests_column)
            task_id = _column(kwargs, self.options.task_id_column, i)
            checker = _column(kwargs, "checker", i)
            plans.append(
                None
                if tests is None
                else plan_rollout(completion, tests, self.config, task_id=task_id, checker=checker)
            )
        judged = [i for i, plan in enumerate(plans) if plan is not None and plan.submission is not None]
        results: dict[int, SubmissionResult] = {}
        if judged:
            async with AsyncJudgeClient() as client:  # per call: swift gives every step a new event loop
                answers = await client.judge([plans[i].submission for i in judged], on_error="unscored")
            results = dict(zip(judged, answers, strict=True))
        rewards: list[float | None] = []
        for i, plan in enumerate(plans):
            if plan is None:
                rewards.append(None)
                continue
            outcome = score_rollout(
                plan, results.get(i), self.config.shape, checker_error_score=self.config.checker_error_score
            )
            if outcome.score is None and self.options.on_judge_error == "raise":
                raise JudgeUnavailable("xcoder_judge reward: the judge could not judge a completion")
            rewards.append(outcome.score)
        return rewards


class XCoderCodeFormat(ORM):
    """1.0 when a program can be extracted from the completion (same extractor as the judge path)."""

    def __init__(self, args: Any = None, **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        self.language = read_env(SwiftRewardOptions).language

    def __call__(self, completions: list[str], **kwargs: Any) -> list[float]:
        return [1.0 if extract_code(c, self.language).ok else 0.0 for c in completions]


REWARD_FUNCS = {"xcoder_judge": XCoderJudgeReward, "xcoder_code_format": XCoderCodeFormat}


def register(orms: dict[str, Any] | None = None) -> None:
    """Add the reward functions to ms-swift's registry (`swift.rewards.orms` by default)."""
    if orms is None:
        from swift.rewards import orms
    orms.update(REWARD_FUNCS)
