"""Latency histograms kept by a pipeline process and written with each shard's stats.

Plain counts in fixed buckets, so shards, processes and runs add up exactly; /metrics
(`service.metrics`) sums them into Prometheus histograms.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
"""Upper bounds (seconds) of LLM request and judge call histograms; +Inf is the last bucket."""


@dataclass
class LatencyHistogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    sum_s: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self.sum_s += seconds

    @property
    def count(self) -> int:
        return sum(self.counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "buckets": list(LATENCY_BUCKETS_S),
            "counts": list(self.counts),
            "sum_s": round(self.sum_s, 6),
        }


@dataclass
class JudgeMeter:
    """Judge calls of one process: a call is one batch of submissions sent and waited for."""

    calls: int = 0
    failures: int = 0
    submissions: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failures": self.failures,
            "submissions": self.submissions,
            "latency": self.latency.as_dict(),
        }
