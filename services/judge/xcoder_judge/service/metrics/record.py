"""Worker side: count each finished job in Redis, inside the pipeline that finishes it."""

from __future__ import annotations

from typing import Any

from xcoder_judge.service.metrics.shared import (
    STAGE_JUDGE,
    STAGE_QUEUE_WAIT,
    JobLabels,
    bucket_field,
    histogram_field,
    jobs_field,
)
from xcoder_judge.service.queue import keys


def record_job(
    pipeline: Any,
    *,
    verdict: str,
    language: str,
    priority: str | None,
    tenant: str | None,
    queue_wait_s: float | None,
    judge_s: float | None,
) -> None:
    """Queue the counter updates for one job on a sync pipeline (no round trip of its own)."""
    labels = JobLabels.bounded(verdict, language, priority, tenant)
    pipeline.hincrby(keys.jobs_counter_key(), jobs_field(labels), 1)
    for stage, seconds in ((STAGE_QUEUE_WAIT, queue_wait_s), (STAGE_JUDGE, judge_s)):
        if seconds is None:
            continue
        seconds = max(0.0, seconds)
        key = keys.latency_key(stage)
        pipeline.hincrby(key, histogram_field(labels, bucket_field(seconds)), 1)
        pipeline.hincrbyfloat(key, histogram_field(labels, "sum"), seconds)
        pipeline.hincrby(key, histogram_field(labels, "count"), 1)
