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

from typing import Any, Literal

from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.batch_reward import (
    ROW_COLUMNS,
    judge_nothing,
    judge_plans,
    needs_judge,
    plan_batch,
    row_tests,
)
from xcoder_client.errors import JudgeUnavailable
from xcoder_client.extract import extract_code
from xcoder_client.reward_options import RowRewardOptions
from xcoder_client.settings import read_env

try:
    from swift.rewards import ORM, AsyncORM
except ImportError:  # ms-swift absent: the same contract on plain bases, so the classes stay usable

    class ORM:  # type: ignore[no-redef]
        def __init__(self, args: Any = None, **kwargs: Any) -> None:
            self.args = args

    class AsyncORM(ORM):  # type: ignore[no-redef]
        pass


class SwiftRewardOptions(RowRewardOptions):
    """Read from XCODER_CLIENT_<FIELD> (e.g. XCODER_CLIENT_REWARD=binary)."""

    on_judge_error: Literal["none", "raise"] = "none"


class XCoderJudgeReward(AsyncORM):
    """Judge each completion on its row's tests; one batch call per step."""

    def __init__(self, args: Any = None, **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        self.options = read_env(SwiftRewardOptions)
        self.config = self.options.reward_config()
        self.columns = self.options.row_columns()

    async def __call__(self, completions: list[str], **kwargs: Any) -> list[float | None]:
        plans = plan_batch(completions, kwargs, self.config, self.columns)
        if needs_judge(plans):
            async with AsyncJudgeClient() as client:  # per call: swift gives every step a new event loop
                outcomes = await judge_plans(client, plans, self.config)
        else:
            outcomes = judge_nothing(plans, self.config)
        rewards: list[float | None] = []
        for outcome in outcomes:
            if outcome is not None and outcome.score is None and self.options.on_judge_error == "raise":
                raise JudgeUnavailable("xcoder_judge reward: the judge could not judge a completion")
            rewards.append(None if outcome is None else outcome.score)
        return rewards


class XCoderCodeFormat(ORM):
    """1.0 when a program can be extracted from the completion (same extractor as the judge path)."""

    def __init__(self, args: Any = None, **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        self.language = read_env(SwiftRewardOptions).language

    def __call__(self, completions: list[str], **kwargs: Any) -> list[float]:
        return [1.0 if extract_code(c, self.language).ok else 0.0 for c in completions]


__all__ = ["ROW_COLUMNS", "XCoderCodeFormat", "XCoderJudgeReward", "register", "row_tests"]

REWARD_FUNCS = {"xcoder_judge": XCoderJudgeReward, "xcoder_code_format": XCoderCodeFormat}


def register(orms: dict[str, Any] | None = None) -> None:
    """Add the reward functions to ms-swift's registry (`swift.rewards.orms` by default)."""
    if orms is None:
        from swift.rewards import orms
    orms.update(REWARD_FUNCS)
