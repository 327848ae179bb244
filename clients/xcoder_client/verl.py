"""verl 0.9 reward functions backed by the X-Coder judge.

Configure (verl 0.9.1, `reward.*` keys; the legacy top-level keys are ignored by main_ppo)::

    reward.custom_reward_function.path=$(python -c "import xcoder_client.verl as m; print(m.__file__)")
    reward.custom_reward_function.name=compute_score_async
    +reward.custom_reward_function.reward_kwargs.judge_url=http://judge:8000
    +reward.custom_reward_function.reward_kwargs.reward=fraction      # binary | fraction | xcoder

verl loads this FILE by path (not as a package module), so it imports its package absolutely
and, if the package is not installed, from the directory above this file. verl calls the
function once per finished rollout; concurrent calls in one process are coalesced into batch
requests (`xcoder_client.coalesce`). Rows keep their tests in `reward_model.ground_truth`
(any format `xcoder_client.testcases` reads; a JSON string is safest for parquet).

Every call returns the same keys: `score` plus numeric diagnostics (see `REWARD_KEYS`).
A rollout the judge could not judge is never scored as wrong: with `on_judge_error="raise"`
(default) the call raises `JudgeUnavailable`; with `"nan"` its score is NaN and
`judge_error` is 1.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Literal

if not __package__:  # loaded by file path, e.g. by verl's load_extern_object
    try:
        import xcoder_client  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xcoder_client._loop_thread import run_blocking
from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.coalesce import DEFAULT_MAX_ITEMS, DEFAULT_MAX_WAIT_S, BatchCoalescer, shared_coalescer
from xcoder_client.errors import JudgeUnavailable
from xcoder_client.reward import RewardConfig, RewardOutcome, RewardShape, plan_rollout, score_rollout
from xcoder_client.settings import ClientSettings, get_settings

REWARD_KEYS = ("score", "acc", "pass_rate", "passed", "total", "format_ok", "compile_error", "judge_error")
"""Keys of every dict returned here, in order."""

_VERL_EXTRAS = frozenset({"reward_router_address", "reward_model_tokenizer"})
"""Keyword arguments verl's reward managers may add; accepted and ignored."""


class VerlRewardOptions(BaseModel):
    """`reward.custom_reward_function.reward_kwargs`; anything left out comes from XCODER_CLIENT_*."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    judge_url: str | None = None
    api_key: str | None = None
    reward: RewardShape = RewardShape.fraction
    max_tests: int | None = Field(10, ge=1)
    language: str = "python"
    time_limit_s: float | None = Field(None, gt=0, le=60)
    memory_mb: int | None = Field(None, ge=16, le=16384)
    allow_unterminated: bool = False
    on_judge_error: Literal["raise", "nan"] = "raise"
    timeout_s: float | None = Field(None, gt=0)
    max_concurrency: int | None = Field(None, ge=1)
    coalesce_wait_s: float = Field(DEFAULT_MAX_WAIT_S, ge=0)
    coalesce_max_items: int = Field(DEFAULT_MAX_ITEMS, ge=1)

    def reward_config(self) -> RewardConfig:
        return RewardConfig(
            shape=self.reward,
            language=self.language,
            max_tests=self.max_tests,
            time_limit_s=self.time_limit_s,
            memory_mb=self.memory_mb,
            allow_unterminated=self.allow_unterminated,
        )


def _options(kwargs: dict[str, Any]) -> VerlRewardOptions:
    given = {k: v for k, v in kwargs.items() if k not in _VERL_EXTRAS}
    try:
        return VerlRewardOptions(**given)
    except ValidationError as exc:
        raise TypeError(f"xcoder_client.verl: bad reward_kwargs: {exc}") from exc


def _task_id(extra_info: Any) -> Any:
    return extra_info.get("task_id") if isinstance(extra_info, dict) else None


def _coalescer(opts: VerlRewardOptions) -> BatchCoalescer:
    settings: ClientSettings = get_settings()
    key = (
        opts.judge_url,
        opts.api_key,
        opts.timeout_s,
        opts.max_concurrency,
        opts.coalesce_wait_s,
        opts.coalesce_max_items,
        settings,
    )

    def make() -> BatchCoalescer:
        client = AsyncJudgeClient(
            opts.judge_url,
            api_key=opts.api_key,
            timeout=opts.timeout_s,
            max_concurrency=opts.max_concurrency,
            settings=settings,
        )
        return BatchCoalescer(client, max_items=opts.coalesce_max_items, max_wait_s=opts.coalesce_wait_s)

    return shared_coalescer(key, make)


def _as_dict(outcome: RewardOutcome, opts: VerlRewardOptions) -> dict[str, float]:
    if outcome.score is None and opts.on_judge_error == "raise":
        raise JudgeUnavailable(
            "xcoder_client.verl: the judge could not judge this rollout; refusing to score it "
            "(set reward_kwargs.on_judge_error=nan to get NaN instead)"
        )
    score = math.nan if outcome.score is None else outcome.score
    return {"score": score, **outcome.diagnostics()}


async def compute_score_async(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None, **kwargs: Any
) -> dict[str, float]:
    """Reward of one rollout (verl's custom-reward contract, async). Recommended for verl 0.9."""
    opts = _options(kwargs)
    config = opts.reward_config()
    plan = plan_rollout(solution_str, ground_truth, config, task_id=_task_id(extra_info))
    result = None
    if plan.submission is not None:
        [result] = await _coalescer(opts).judge([plan.submission])
    return _as_dict(score_rollout(plan, result, config.shape), opts)


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None, **kwargs: Any
) -> dict[str, float]:
    """Reward of one rollout (verl's custom-reward contract, blocking).

    Calls from many threads (verl runs sync reward functions on a thread pool) are coalesced
    on one background event loop.
    """
    return run_blocking(compute_score_async(data_source, solution_str, ground_truth, extra_info, **kwargs))


def compute_score_batched(
    data_sources: list[str],
    solution_strs: list[str],
    ground_truths: list[Any],
    extra_infos: list[dict | None] | None = None,
    **kwargs: Any,
) -> list[dict[str, float]]:
    """Batched contract of verl's legacy `BatchRewardManager` (verl <= 0.8): one judge call per step."""
    import asyncio

    extra_infos = extra_infos if extra_infos is not None else [None] * len(solution_strs)

    async def all_rollouts() -> list[dict[str, float]]:
        return list(
            await asyncio.gather(
                *(
                    compute_score_async(d, s, g, e, **kwargs)
                    for d, s, g, e in zip(
                        data_sources, solution_strs, ground_truths, extra_infos, strict=True
                    )
                )
            )
        )

    return run_blocking(all_rollouts())
