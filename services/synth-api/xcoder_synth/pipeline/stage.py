"""What a stage is, and how one shard of it runs.

A stage lists its input items (``items``) and turns one item into output records or a
rejection with a reason (``process``). It never decides where it runs: :func:`run_shard` runs
one shard in this process (the local runner and RQ jobs both call it). Finished items are
appended as they complete, so a crash loses only the items in flight; their LLM replies are in
the response cache, so redoing them is free.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel
from tqdm import tqdm

from xcoder_synth.dropped import Dropped
from xcoder_synth.errors import ConfigError
from xcoder_synth.ids import shard_of
from xcoder_synth.jsonl import read_jsonl
from xcoder_synth.judge_gateway import JudgeGateway
from xcoder_synth.llm import LLMPool, ResponseCache
from xcoder_synth.pipeline.config import RunConfig
from xcoder_synth.pipeline.reads import Read, StageReads, needs_of
from xcoder_synth.pipeline.store import Rejection, RunStore
from xcoder_synth.settings import Settings, get_settings, secret_from_env


@dataclass
class Kept:
    records: list[BaseModel]
    rejections: list[Rejection] = field(default_factory=list)


Outcome = Kept | Dropped


class StageContext:
    """What a running stage may use: the run, its config, and (lazily) LLM clients and the judge."""

    def __init__(
        self, store: RunStore, config: RunConfig, *, progress: bool = True, settings: Settings | None = None
    ) -> None:
        self.store = store
        self.config = config
        self._settings = settings
        self.progress = progress
        self._llm: LLMPool | None = None
        self._judge: JudgeGateway | None = None

    @property
    def settings(self) -> Settings:
        """The caller's settings (the CLI's flags applied), else the process environment's."""
        return self._settings or get_settings()

    @property
    def llm(self) -> LLMPool:
        if self._llm is None:
            assert self.config.cache_dir is not None
            self._llm = LLMPool(self.config.llm.endpoints, ResponseCache(self.config.cache_dir))
        return self._llm

    @property
    def judge(self) -> JudgeGateway:
        if self._judge is None:
            settings = self.settings
            jc = self.config.judge
            key = settings.judge_api_key
            if jc.api_key_env:
                key = secret_from_env(jc.api_key_env)
                if not key:
                    raise ConfigError(f"judge: environment variable {jc.api_key_env} is not set")
            # An explicitly set XCODER_SYNTH_JUDGE_URL (or `run --judge-url`) overrides the
            # config: the deployment knows where its judge is.
            explicit = "judge_url" in settings.model_fields_set
            self._judge = JudgeGateway(
                url=settings.judge_url if explicit else (jc.url or settings.judge_url),
                api_key=key,
                max_concurrency=jc.max_concurrency,
                timeout_s=jc.timeout_s,
            )
        return self._judge

    def usage(self) -> dict[str, dict[str, int]]:
        return self._llm.usage() if self._llm else {}

    def meters(self) -> dict[str, Any]:
        """What this process counted, for the shard's stats: LLM usage and latency per endpoint,
        judge calls. Read before :meth:`aclose` (which drops the clients)."""
        out: dict[str, Any] = {"usage": self.usage()}
        if self._llm is not None:
            out["llm_latency"] = self._llm.latency()
        if self._judge is not None:
            out["judge"] = self._judge.meter.as_dict()
        return out

    async def aclose(self) -> None:
        if self._llm is not None:
            await self._llm.aclose()
            self._llm = None
        if self._judge is not None:
            await self._judge.aclose()
            self._judge = None


class Stage(ABC):
    """One step of the pipeline. ``reads`` lists the stage outputs it reads; ``needs`` (the
    stages that must be complete first) is derived from it, and :meth:`inputs` allows only those."""

    name: ClassVar[str]
    reads: ClassVar[tuple[Read[Any], ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()
    sharded: ClassVar[bool] = True
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.needs = needs_of(cls.reads)

    def inputs(self, ctx: StageContext) -> StageReads:
        """The run store as this stage may read it."""
        return StageReads(ctx.store, self.reads, self.name)

    def n_shards(self, ctx: StageContext) -> int:
        return ctx.store.n_shards(self.name, ctx.config.shards if self.sharded else 1)

    @abstractmethod
    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        """(input id, item) pairs; ids must be stable across runs."""

    async def setup(self, ctx: StageContext) -> None:  # noqa: B027 - optional hook
        """Load what every item needs once per shard (indices, lookups)."""

    @abstractmethod
    async def process(self, ctx: StageContext, item: Any) -> Outcome: ...


def _shard_stats(
    store: RunStore, stage: str, shard: int, meters: dict[str, Any], seconds: float
) -> dict[str, Any]:
    dropped = Counter(r.get("reason", "unknown") for r in read_jsonl(store.rejected(stage, shard)))
    kept = sum(1 for _ in read_jsonl(store.part(stage, shard)))
    return {
        "stage": stage,
        "shard": shard,
        "items": len(store.processed_ids(stage, shard)),
        "records": kept,
        "dropped": dict(sorted(dropped.items())),
        "usage": meters.get("usage", {}),
        "llm_latency": meters.get("llm_latency", {}),
        "judge": meters.get("judge"),
        "seconds": round(seconds, 3),
    }


async def _work(
    ctx: StageContext, stage: Stage, shard: int, todo: list[tuple[str, Any]], n: int, meters: dict[str, Any]
) -> None:
    store = ctx.store
    out, rej, done = store.writers(stage.name, shard)
    sem = asyncio.Semaphore(ctx.config.concurrency)
    bar = tqdm(
        total=len(todo),
        desc=f"{stage.name} [{shard + 1}/{n}]",
        unit="item",
        disable=not ctx.progress,
        leave=False,
    )

    async def one(item_id: str, item: Any) -> None:
        async with sem:
            outcome = await stage.process(ctx, item)
        if isinstance(outcome, Kept):
            out.write_many(outcome.records)
            rej.write_many(outcome.rejections)
        else:
            rej.write(
                Rejection(
                    item_id=item_id, reason=outcome.reason.value, detail=outcome.detail, extra=outcome.extra
                )
            )
        done.write(item_id + "\n")
        done.flush()
        bar.update(1)

    try:
        await stage.setup(ctx)
        tasks = [asyncio.create_task(one(i, it)) for i, it in todo]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    finally:
        bar.close()
        out.close()
        rej.close()
        done.close()
        meters.update(ctx.meters())
        await ctx.aclose()


def run_shard(ctx: StageContext, stage: Stage, shard: int) -> dict[str, Any] | None:
    """Run one shard to completion (resuming it); returns its stats, None if it was already done."""
    store = ctx.store
    n = stage.n_shards(ctx)
    if not 0 <= shard < n:
        raise ValueError(f"stage {stage.name}: shard {shard} out of range 0..{n - 1}")
    with store.shard_lock(stage.name, shard):
        if store.is_done(stage.name, shard):
            return None
        started = time.monotonic()
        finished = store.processed_ids(stage.name, shard)
        todo = [(i, it) for i, it in stage.items(ctx) if shard_of(i, n) == shard and i not in finished]
        meters: dict[str, Any] = {}
        if todo:
            asyncio.run(_work(ctx, stage, shard, todo, n, meters))
        stats = _shard_stats(store, stage.name, shard, meters, time.monotonic() - started)
        store.mark_done(stage.name, shard, stats)
        return stats
