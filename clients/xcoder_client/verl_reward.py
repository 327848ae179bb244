"""Implementation of xcoder_client.verl (kept in a regular module so it works when verl.py is
loaded by file path: pydantic and inspect need the defining module to be importable)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, ValidationError

from xcoder_client._loop_thread import run_blocking
from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.checkers import task_checker
from xcoder_client.coalesce import DEFAULT_MAX_ITEMS, DEFAULT_MAX_WAIT_S, BatchCoalescer, shared_coalescer
from xcoder_client.errors import JudgeUnavailable
from xcoder_client.reward import (
    RewardConfig,
    RewardOutcome,
    plan_rollout,
    score_rollout,
    task_language,
)
from xcoder_client.reward_options import RewardOptions
from xcoder_client.settings import ClientSettings, get_settings

REWARD_KEYS = (
    "score",
    "acc",
    "pass_rate",
    "passed",
    "total",
    "format_ok",
    "compile_error",
    "judge_error",
    "checker_error",
)
"""Keys of every dict returned here, in order."""

_VERL_EXTRAS = frozenset({"reward_router_address", "reward_model_tokenizer"})
"""Keyword arguments verl's reward managers may add; accepted and ignored."""


class VerlRewardOptions(RewardOptions):
    """`reward.custom_reward_function.reward_kwargs`; anything left out comes from XCODER_CLIENT_*."""

    judge_url: str | None = None
    api_key: str | None = None
    allow_unterminated: bool = False
    on_judge_error: Literal["raise", "nan"] = "raise"
    timeout_s: float | None = Field(None, gt=0)
    max_concurrency: int | None = Field(None, ge=1)
    coalesce_wait_s: float = Field(DEFAULT_MAX_WAIT_S, ge=0)
    coalesce_max_items: int = Field(DEFAULT_MAX_ITEMS, ge=1)

    def reward_config(self) -> RewardConfig:
        return super().reward_config().model_copy(update={"allow_unterminated": self.allow_unterminated})


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
    plan = plan_rollout(
        solution_str,
        ground_truth,
        config,
        task_id=_task_id(extra_info),
        checker=task_checker(ground_truth=ground_truth, extra_info=extra_info),
        language=task_language(extra_info=extra_info),
    )
    result = None
    if plan.submission is not None:
        [result] = await _coalescer(opts).judge([plan.submission])
    return _as_dict(
        score_rollout(plan, result, config.shape, checker_error_score=config.checker_error_score), opts
    )


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None, **kwargs: Any
) -> dict[str, float]:
    """Reward of one rollout (verl's custom-reward contract, blocking).

    Calls from many threads (verl runs sync reward functions on a thread pool) are coalesced
    on one background event loop.
    """
    return run_blocking(compute_score_async(data_source, solution_str, ground_truth, extra_info, **kwargs))


def compute_score_prime(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None, **kwargs: Any
) -> float:
    """The score alone, for verl's `prime` reward manager, which wants a float (or a tuple).

    prime calls `fn(data_source, solution, ground_truth, extra_info)` in a process pool and keeps
    `float(result)` or `float(result[0])`, so the dict the other entries return made it score
    every row 0. It also turns any exception into a score of 0: with prime, a judge outage
    (`on_judge_error=raise`) is logged by verl and scored 0, which the naive and dapo managers
    never do. Prefer those; use prime only for its own algorithm.
    """
    return compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]


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
