"""TRL `GRPOTrainer` rewards backed by the X-Coder judge, batched: one judge call per step.

    from trl import GRPOTrainer
    from xcoder_client.trl_reward import XCoderTRLReward, AsyncXCoderTRLReward

    trainer = GRPOTrainer(model=..., reward_funcs=[AsyncXCoderTRLReward(judge_url="http://judge:8000")],
                          train_dataset=ds, ...)

TRL (1.x) calls a reward function once per step with every completion of the step:
`reward_func(prompts=..., completions=..., completion_ids=..., **columns)`, where `columns` are
the dataset's other columns as lists (one value per completion) plus `trainer_state`,
`log_extra` and `log_metric`. It runs async callables (a coroutine `__call__` included) on its
own long-lived event loop. Both classes here have a `__name__` (TRL names the
`rewards/<name>/mean` metric after it), return one float per completion (None for a row
without tests, which TRL turns into NaN so another reward function can score it), and, as
TRL's own rewards do, log per-completion columns with `log_extra` and step metrics with
`log_metric`.

Tests, task id, checker and language come from the row as for ms-swift (`batch_reward`). A
completion the judge could not judge raises `JudgeUnavailable` by default: TRL sums rewards
with `nansum`, so a None there would silently become a 0 reward. `on_judge_error="none"`
returns None instead.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import Field

from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.batch_reward import (
    judge_nothing,
    judge_plans,
    judge_plans_sync,
    needs_judge,
    plan_batch,
)
from xcoder_client.client import JudgeClient
from xcoder_client.errors import JudgeUnavailable
from xcoder_client.reward import RewardOutcome, RolloutPlan
from xcoder_client.reward_options import RowRewardOptions

__all__ = ["AsyncXCoderTRLReward", "TRLRewardOptions", "XCoderTRLReward"]


class TRLRewardOptions(RowRewardOptions):
    """Constructor options; the judge URL and API key fall back to XCODER_CLIENT_*."""

    judge_url: str | None = None
    api_key: str | None = None
    on_judge_error: Literal["raise", "none"] = "raise"
    timeout_s: float | None = Field(None, gt=0)
    max_concurrency: int | None = Field(None, ge=1)

    def client_kwargs(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "timeout": self.timeout_s, "max_concurrency": self.max_concurrency}


class _TRLReward:
    """What the sync and async rewards share: planning, scoring, logging."""

    def __init__(self, judge_url: str | None = None, *, name: str = "xcoder_judge", **options: Any) -> None:
        self.options = TRLRewardOptions(judge_url=judge_url, **options)
        self.config = self.options.reward_config()
        self.columns = self.options.row_columns()
        self.__name__ = name

    def _plan(self, completions: Sequence[Any], columns: dict[str, Any]) -> list[RolloutPlan | None]:
        return plan_batch(completions, columns, self.config, self.columns)

    def _rewards(
        self,
        outcomes: list[RewardOutcome | None],
        log_extra: Callable[[str, list], None] | None,
        log_metric: Callable[[str, float], None] | None,
    ) -> list[float | None]:
        if self.options.on_judge_error == "raise" and any(o is not None and o.judge_error for o in outcomes):
            raise JudgeUnavailable(
                f"{self.__name__}: the judge could not judge a completion; refusing to score it "
                "(TRL would sum a None reward as 0; pass on_judge_error='none' to get None)"
            )
        ours = [o for o in outcomes if o is not None]
        if log_extra is not None:
            log_extra(
                f"{self.__name__}_verdict",
                [
                    None
                    if o is None
                    else (o.verdict.value if o.verdict is not None else o.extraction.status.value)
                    for o in outcomes
                ],
            )
            log_extra(
                f"{self.__name__}_pass_rate",
                [None if o is None else o.diagnostics()["pass_rate"] for o in outcomes],
            )
        if log_metric is not None and ours:
            for key in ("acc", "format_ok", "compile_error", "judge_error", "checker_error"):
                log_metric(f"{self.__name__}/{key}", sum(o.diagnostics()[key] for o in ours) / len(ours))
        return [None if o is None else o.score for o in outcomes]


class XCoderTRLReward(_TRLReward):
    """Blocking reward: one `JudgeClient` per process (recreated after a fork), one call per step."""

    def __init__(self, judge_url: str | None = None, *, name: str = "xcoder_judge", **options: Any) -> None:
        super().__init__(judge_url, name=name, **options)
        self._client: JudgeClient | None = None
        self._pid = 0

    def _judge_client(self) -> JudgeClient:
        if self._client is None or self._pid != os.getpid():
            self._client = JudgeClient(self.options.judge_url, **self.options.client_kwargs())
            self._pid = os.getpid()
        return self._client

    def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Any = None,
        *,
        log_extra: Callable[[str, list], None] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        plans = self._plan(completions, columns)
        outcomes = (
            judge_plans_sync(self._judge_client(), plans, self.config)
            if needs_judge(plans)
            else judge_nothing(plans, self.config)
        )
        return self._rewards(outcomes, log_extra, log_metric)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __getstate__(self) -> dict[str, Any]:  # picklable: the client is remade where it lands
        return {**self.__dict__, "_client": None, "_pid": 0}


def _mark_coroutine_callable(obj: Any) -> None:
    """Make `asyncio.iscoroutinefunction(obj)` / `inspect.iscoroutinefunction(obj)` true for an instance.

    TRL < 1.0 (0.29, what ms-swift 4.6 pins) tells async rewards apart with
    `asyncio.iscoroutinefunction(reward_func)`, which looks at the object, not its `__call__`:
    unmarked, an async callable instance is called as sync and its coroutine taken for rewards.
    """
    if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+
        inspect.markcoroutinefunction(obj)
    marker = getattr(asyncio.coroutines, "_is_coroutine", None)  # what 3.10-3.13's asyncio checks
    if marker is not None:
        obj._is_coroutine = marker


class AsyncXCoderTRLReward(_TRLReward):
    """Async reward: TRL awaits it on its own loop; one `AsyncJudgeClient` per event loop."""

    def __init__(self, judge_url: str | None = None, *, name: str = "xcoder_judge", **options: Any) -> None:
        super().__init__(judge_url, name=name, **options)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncJudgeClient] = (
            weakref.WeakKeyDictionary()
        )
        _mark_coroutine_callable(self)

    def _judge_client(self) -> AsyncJudgeClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = AsyncJudgeClient(self.options.judge_url, **self.options.client_kwargs())
            self._clients[loop] = client
        return client

    async def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Any = None,
        *,
        log_extra: Callable[[str, list], None] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        plans = self._plan(completions, columns)
        if needs_judge(plans):
            outcomes = await judge_plans(self._judge_client(), plans, self.config)
        else:
            outcomes = judge_nothing(plans, self.config)
        return self._rewards(outcomes, log_extra, log_metric)

    def __getstate__(self) -> dict[str, Any]:
        markers = ("_clients", "_is_coroutine", "_is_coroutine_marker")
        return {k: v for k, v in self.__dict__.items() if k not in markers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._clients = weakref.WeakKeyDictionary()
        _mark_coroutine_callable(self)
