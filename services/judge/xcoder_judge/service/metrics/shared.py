"""Names and histogram bounds shared by the workers that record metrics and the API that exposes them."""

from __future__ import annotations

import bisect

# Latency stages recorded per job by the worker that ran it.
STAGE_QUEUE_WAIT = "queue_wait"  # enqueued (or re-enqueued) → started
STAGE_JUDGE = "judge"  # started → result ready
STAGES: tuple[str, ...] = (STAGE_QUEUE_WAIT, STAGE_JUDGE)

BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
)  # fmt: skip
INF_FIELD = "le:+Inf"


def bucket_field(seconds: float) -> str:
    """The hash field of the smallest bucket holding `seconds` (counts are per bucket, not cumulative)."""
    i = bisect.bisect_left(BUCKETS, seconds)
    return INF_FIELD if i == len(BUCKETS) else f"le:{BUCKETS[i]}"


def jobs_field(verdict: str, language: str) -> str:
    return f"{verdict}|{language}"


def split_jobs_field(field: str) -> tuple[str, str]:
    verdict, _, language = field.partition("|")
    return verdict, language
