"""The options every framework adapter shares: how a rollout is scored, and (for row-based ones) where.

The verl, ms-swift, TRL and OpenRLHF adapters each take the same five reward fields and turn
them into a `RewardConfig` the same way; they differ only in how they reach the judge and what
they do with a rollout it could not judge. One base model keeps those five fields, their
bounds (the judge's own limits, from `xcoder_wire`) and the conversion in one place, so an
adapter cannot drift from the others (two used to spell the limits as bare numbers).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from xcoder_wire.schemas import MAX_MEMORY_MB, MAX_TIME_S, MIN_MEMORY_MB

from xcoder_client.batch_reward import RowColumns
from xcoder_client.reward import RewardConfig, RewardShape

__all__ = ["RewardOptions", "RowRewardOptions"]


class RewardOptions(BaseModel):
    """Reward shape, test subset, language and limits: what `reward_config` turns into a `RewardConfig`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reward: RewardShape = RewardShape.fraction
    max_tests: int | None = Field(10, ge=1)
    language: str = "python"
    time_limit_s: float | None = Field(None, gt=0, le=MAX_TIME_S)
    memory_mb: int | None = Field(None, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)

    def reward_config(self) -> RewardConfig:
        return RewardConfig(
            shape=self.reward,
            language=self.language,
            max_tests=self.max_tests,
            time_limit_s=self.time_limit_s,
            memory_mb=self.memory_mb,
        )


class RowRewardOptions(RewardOptions):
    """`RewardOptions` plus the dataset columns that hold a row's tests and task id (ms-swift, TRL)."""

    tests_column: str = "tests"
    task_id_column: str = "task_id"

    def row_columns(self) -> RowColumns:
        return RowColumns(tests_column=self.tests_column, task_id_column=self.task_id_column)
