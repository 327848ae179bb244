"""Open runs, pick stages, and run them in this process (``--dispatch local``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from xcoder_synth.errors import ConfigError, StoreError
from xcoder_synth.pipeline.config import RunConfig
from xcoder_synth.pipeline.stage import StageContext, run_shard
from xcoder_synth.pipeline.stages import STAGE_ORDER, STAGES
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.settings import Settings

log = logging.getLogger(__name__)


class StageStatus(BaseModel):
    name: str
    shards: int | None
    done_shards: int
    complete: bool
    records: int
    dropped: dict[str, int]


def open_run(config: RunConfig) -> RunStore:
    """Create (or reopen) the run directory and record the resolved config in it."""
    assert config.output_dir is not None, "resolve the config first"
    store = RunStore(config.output_dir)
    store.root.mkdir(parents=True, exist_ok=True)
    store.save_config(config.model_dump(mode="json"))
    return store


def load_run(run_dir: Path) -> tuple[RunStore, RunConfig]:
    store = RunStore(run_dir)
    return store, RunConfig.model_validate(store.load_config_data())


def select_stages(
    only: list[str] | None = None, *, start: str | None = None, stop: str | None = None
) -> list[str]:
    """Stages to run, in pipeline order: an explicit list, or the range ``start..stop``."""
    for name in [*(only or []), start, stop]:
        if name is not None and name not in STAGES:
            raise ConfigError(f"unknown stage {name!r}; stages: {', '.join(STAGE_ORDER)}")
    if only:
        return [s for s in STAGE_ORDER if s in only]
    lo = STAGE_ORDER.index(start) if start else 0
    hi = STAGE_ORDER.index(stop) if stop else len(STAGE_ORDER) - 1
    if lo > hi:
        raise ConfigError(f"stage range {start}..{stop} is empty")
    return list(STAGE_ORDER[lo : hi + 1])


def downstream(stage: str) -> list[str]:
    """``stage`` and every stage after it (they consume its outputs)."""
    return list(STAGE_ORDER[STAGE_ORDER.index(stage) :])


def redo(store: RunStore, stage: str) -> list[str]:
    """Forget a stage's outputs and everything built on them; returns the cleared stages."""
    cleared = downstream(stage)
    for name in cleared:
        store.clear(name)
    return cleared


def check_ready(store: RunStore, stage: str) -> None:
    for need in STAGES[stage].needs:
        if not store.stage_complete(need):
            raise StoreError(f"stage {stage!r} needs stage {need!r} to be complete; run it first")


def run_stage_local(
    store: RunStore, config: RunConfig, name: str, *, progress: bool = True, settings: Settings | None = None
) -> list[dict[str, Any]]:
    check_ready(store, name)
    stage = STAGES[name]()
    ctx = StageContext(store, config, progress=progress, settings=settings)
    results = []
    for shard in range(stage.n_shards(ctx)):
        stats = run_shard(ctx, stage, shard)
        if stats is not None:
            results.append(stats)
    return results


def run_local(
    store: RunStore,
    config: RunConfig,
    stages: list[str],
    *,
    progress: bool = True,
    settings: Settings | None = None,
) -> None:
    for name in stages:
        if store.stage_complete(name):
            log.info("stage %s: complete, skipped", name)
            continue
        run_stage_local(store, config, name, progress=progress, settings=settings)
        st = stage_status(store, name)
        log.info("stage %s: %d records, dropped %s", name, st.records, st.dropped or "nothing")


def stage_status(store: RunStore, name: str) -> StageStatus:
    dropped: dict[str, int] = {}
    for rej in store.rejections(name):
        dropped[rej.reason] = dropped.get(rej.reason, 0) + 1
    n = store.known_shards(name)
    return StageStatus(
        name=name,
        shards=n,
        done_shards=store.done_shards(name),
        complete=store.stage_complete(name),
        records=sum(1 for _ in store.records(name)),
        dropped=dict(sorted(dropped.items())),
    )


def run_status(store: RunStore) -> list[StageStatus]:
    return [stage_status(store, name) for name in STAGE_ORDER]
