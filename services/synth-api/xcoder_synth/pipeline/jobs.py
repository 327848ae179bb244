"""Functions RQ workers run (referenced by import path, so keep their names stable)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from xcoder_synth.pipeline.runner import check_ready, load_run
from xcoder_synth.pipeline.stage import StageContext, run_shard
from xcoder_synth.pipeline.stages import STAGES

log = logging.getLogger(__name__)


def run_stage_shard(run_dir: str, stage: str, shard: int) -> dict[str, Any] | None:
    """One shard of one stage of a run (resumes it; a done shard returns None at once)."""
    store, config = load_run(Path(run_dir))
    check_ready(store, stage)
    ctx = StageContext(store, config, progress=False)
    stats = run_shard(ctx, STAGES[stage](), shard)
    log.info(
        "run %s stage %s shard %d: %s", run_dir, stage, shard, "already done" if stats is None else "done"
    )
    return stats


def start_run(run_dir: str, stages: list[str], queue_name: str, job_timeout_s: int) -> list[str]:
    """Enqueue a run's shard jobs (the API's run driver); returns their job ids."""
    from xcoder_synth.pipeline.dispatch import enqueue_run, redis_connection

    store, config = load_run(Path(run_dir))
    jobs = enqueue_run(
        store,
        stages,
        config=config,
        queue_name=queue_name,
        connection=redis_connection(),
        job_timeout_s=job_timeout_s,
    )
    return [j.id for j in jobs]


def verify_one(payload: dict[str, Any]) -> dict[str, Any]:
    """Dual verification of one task against given candidates and inputs (the API's single-stage job)."""
    from xcoder_synth.service.single import run_verify_request

    return asyncio.run(run_verify_request(payload))
