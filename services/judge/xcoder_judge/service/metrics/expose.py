"""API side: turn the counters workers keep in Redis into Prometheus metric families.

Every API replica exposes the same cluster-wide numbers (they live in Redis); scrape one replica
or aggregate with max(). Per-process HTTP metrics are kept separately by `http_metrics`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from xcoder_judge.service.metrics.shared import (
    BUCKETS,
    INF_FIELD,
    LABEL_NAMES,
    STAGES,
    JobLabels,
    split_histogram_field,
    split_jobs_field,
)
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.overview import Overview

_LEVELS = {"rlimits": 0, "partial": 1, "full": 2}


@dataclass(slots=True)
class Histogram:
    buckets: dict[str, int] = field(default_factory=dict)  # per-bucket counts by field name
    total: float = 0.0
    count: int = 0


@dataclass(slots=True)
class JobCounters:
    jobs: dict[JobLabels, int]
    latency: dict[str, dict[JobLabels, Histogram]]  # stage -> labels -> histogram


async def read_job_counters(redis: aioredis.Redis, tenants: frozenset[str] = frozenset()) -> JobCounters:
    """The cluster's job series, with tenants outside `tenants` (the configured names) as `other`."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.jobs_counter_key())
        for stage in STAGES:
            pipe.hgetall(keys.latency_key(stage))
        replies = await pipe.execute()
    jobs: dict[JobLabels, int] = {}
    for k, v in replies[0].items():
        labels = split_jobs_field(k.decode())
        if labels is not None:  # fields of another layout (an older release's) are left out
            labels = labels.folded(tenants)
            jobs[labels] = jobs.get(labels, 0) + int(v)
    latency: dict[str, dict[JobLabels, Histogram]] = {}
    for stage, raw in zip(STAGES, replies[1:], strict=True):
        series: dict[JobLabels, Histogram] = {}
        for k, v in raw.items():
            split = split_histogram_field(k.decode())
            if split is None:
                continue
            labels, name = split
            hist = series.setdefault(labels.folded(tenants), Histogram())
            if name == "sum":
                hist.total += float(v)
            elif name == "count":
                hist.count += int(v)
            else:
                hist.buckets[name] = hist.buckets.get(name, 0) + int(v)
        latency[stage] = series
    return JobCounters(jobs=jobs, latency=latency)


class ClusterCollector(Collector):
    """A snapshot taken for one scrape; `collect` only formats it."""

    def __init__(self, overview: Overview | None, counters: JobCounters | None) -> None:
        self._overview = overview
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "xcoder_judge_redis_up", "1 when this API replica could read Redis for this scrape."
        )
        up.add_metric([], 1.0 if self._overview is not None else 0.0)
        yield up
        if self._overview is not None:
            yield from self._overview_families(self._overview)
        if self._counters is not None:
            yield from self._counter_families(self._counters)

    @staticmethod
    def _overview_families(ov: Overview) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "xcoder_judge_queue_depth", "Submissions waiting, per priority.", labels=["priority"]
        )
        running = GaugeMetricFamily(
            "xcoder_judge_jobs_running", "Submissions being judged, per priority.", labels=["priority"]
        )
        for priority, n in ov.queued.items():
            depth.add_metric([priority.value], n)
        for priority, n in ov.running.items():
            running.add_metric([priority.value], n)
        yield depth
        yield running
        workers = GaugeMetricFamily("xcoder_judge_workers", "Live workers.")
        workers.add_metric([], len(ov.workers))
        yield workers
        slots = GaugeMetricFamily(
            "xcoder_judge_worker_slots", "Warm sandbox slots per worker.", labels=["worker"]
        )
        busy = GaugeMetricFamily(
            "xcoder_judge_worker_slots_busy", "Sandbox slots running a program.", labels=["worker"]
        )
        level = GaugeMetricFamily(
            "xcoder_judge_sandbox_level",
            "Isolation each worker enforces: 2 full, 1 partial, 0 rlimits only.",
            labels=["worker", "level", "cgroup", "seccomp"],
        )
        for w in ov.workers:
            slots.add_metric([w.name], w.slots)
            busy.add_metric([w.name], w.slots_busy)
            caps = w.capabilities
            level.add_metric(
                [w.name, caps.level, caps.cgroup, str(caps.seccomp).lower()], _LEVELS.get(caps.level, 0)
            )
        yield slots
        yield busy
        yield level

    @staticmethod
    def _counter_families(c: JobCounters) -> Iterator[Metric]:
        jobs = CounterMetricFamily(
            "xcoder_judge_jobs",
            "Finished submissions by verdict, language, priority and tenant.",
            labels=list(LABEL_NAMES),
        )
        for labels, n in sorted(c.jobs.items()):
            jobs.add_metric(list(labels), n)
        yield jobs
        helps = {
            "queue_wait": "Seconds from enqueue to the start of judging.",
            "judge": "Seconds a worker spent judging one submission.",
        }
        for stage, series in c.latency.items():
            family = HistogramMetricFamily(
                f"xcoder_judge_job_{stage}_seconds", helps.get(stage, stage), labels=list(LABEL_NAMES)
            )
            for labels, hist in sorted(series.items()):
                cumulative = 0
                buckets: list[tuple[str, float]] = []
                for bound in BUCKETS:
                    cumulative += hist.buckets.get(f"le:{bound}", 0)
                    buckets.append((str(bound), cumulative))
                cumulative += hist.buckets.get(INF_FIELD, 0)
                buckets.append(("+Inf", cumulative))
                family.add_metric(list(labels), buckets, hist.total)
            yield family
