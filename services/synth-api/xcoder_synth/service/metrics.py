"""Prometheus metrics of SynthSmith, read from the run directories at scrape time.

Workers on any machine write each finished shard's stats (items, records, drops, wall seconds,
LLM usage and latency per endpoint, judge calls) into the run directory; summing those files is
exact across processes and restarts and needs no extra state. Counts grow when a shard finishes,
not item by item; deleting a run directory lowers them (Prometheus reads that as a counter reset).
Every run under ``<data_dir>/runs`` counts: API runs (with ``run.json``, state from their jobs)
and CLI runs written there (the CLI's default output directory), state complete or incomplete.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from xcoder_synth.errors import SynthError
from xcoder_synth.meters import LATENCY_BUCKETS_S
from xcoder_synth.pipeline.stages import STAGE_ORDER
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.settings import Settings

PREFIX = "xcoder_synth"


@dataclass
class _Hist:
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    sum_s: float = 0.0

    def add(self, raw: dict[str, Any] | None) -> None:
        if not raw or list(raw.get("buckets", [])) != list(LATENCY_BUCKETS_S):
            return  # stats from before histograms existed (or other buckets): not comparable
        for i, c in enumerate(raw["counts"]):
            self.counts[i] += int(c)
        self.sum_s += float(raw.get("sum_s", 0.0))

    def family_buckets(self) -> list[tuple[str, float]]:
        out, acc = [], 0
        for bound, c in zip([*map(str, LATENCY_BUCKETS_S), "+Inf"], self.counts, strict=True):
            acc += c
            out.append((bound, acc))
        return out


@dataclass
class Snapshot:
    """Everything one scrape reports, summed over runs."""

    runs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (via, state)
    unreadable_runs: int = 0
    items: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    shards: Counter[str] = field(default_factory=Counter)
    llm: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (stage, endpoint, field)
    llm_latency: dict[tuple[str, str], _Hist] = field(default_factory=lambda: defaultdict(_Hist))
    judge: Counter[tuple[str, str]] = field(default_factory=Counter)  # (stage, field)
    judge_latency: dict[str, _Hist] = field(default_factory=lambda: defaultdict(_Hist))


def _add_stats(snap: Snapshot, stage: str, stats: list[dict[str, Any]]) -> None:
    for s in stats:
        snap.shards[stage] += 1
        snap.items[stage] += int(s.get("items", 0))
        snap.records[stage] += int(s.get("records", 0))
        snap.seconds[stage] += float(s.get("seconds", 0.0))
        for reason, n in s.get("dropped", {}).items():
            snap.dropped[(stage, reason)] += int(n)
        for endpoint, meter in s.get("usage", {}).items():
            for name, value in meter.items():
                snap.llm[(stage, endpoint, name)] += int(value)
        for endpoint, hist in (s.get("llm_latency") or {}).items():
            snap.llm_latency[(stage, endpoint)].add(hist)
        judge = s.get("judge")
        if judge:
            for name in ("calls", "failures", "submissions"):
                snap.judge[(stage, name)] += int(judge.get(name, 0))
            snap.judge_latency[stage].add(judge.get("latency"))


def _state(settings: Settings, conn: redis.Redis, run_dir: Path, store: RunStore) -> tuple[str, str]:
    from xcoder_synth.service.runs import RUN_FILE, run_info

    if (run_dir / RUN_FILE).exists():
        try:
            return "api", run_info(settings, conn, run_dir.name).state
        except redis.RedisError:
            return "api", "unknown"
    done = all(store.stage_complete(s) for s in STAGE_ORDER)
    return "cli", "complete" if done else "incomplete"


def take_snapshot(settings: Settings, conn: redis.Redis) -> Snapshot:
    snap = Snapshot()
    root = settings.runs_dir
    if not root.is_dir():
        return snap
    for config in sorted(root.glob("*/config.json")):
        run_dir = config.parent
        store = RunStore(run_dir)
        try:
            snap.runs[_state(settings, conn, run_dir, store)] += 1
            for stage in STAGE_ORDER:
                _add_stats(snap, stage, store.stats(stage))
        except (OSError, ValueError, SynthError, json.JSONDecodeError):
            snap.unreadable_runs += 1  # a run being created or deleted right now
    return snap


class SynthCollector(Collector):
    """Formats one snapshot; built per scrape. One function per group of families, in scrape order."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        for group in (_run_families, _stage_families, _llm_families, _judge_families):
            yield from group(self.snap)


def _run_families(s: Snapshot) -> Iterator[Metric]:
    """Runs by how they were started and state, and the run directories that could not be read."""
    runs = GaugeMetricFamily(
        f"{PREFIX}_runs",
        "Runs under the data directory, by how they were started and state.",
        labels=["via", "state"],
    )
    for (via, state), n in sorted(s.runs.items()):
        runs.add_metric([via, state], n)
    yield runs
    yield GaugeMetricFamily(
        f"{PREFIX}_unreadable_runs",
        "Run directories that could not be read at this scrape.",
        value=s.unreadable_runs,
    )


def _per_stage(name: str, doc: str, values: Counter[str]) -> CounterMetricFamily:
    fam = CounterMetricFamily(f"{PREFIX}_{name}", doc, labels=["stage"])
    for stage in STAGE_ORDER:
        if stage in values:
            fam.add_metric([stage], values[stage])
    return fam


def _stage_families(s: Snapshot) -> Iterator[Metric]:
    """Finished shards' counts per stage (in pipeline order), and items dropped by reason."""
    yield _per_stage("stage_shards", "Finished shards.", s.shards)
    yield _per_stage(
        "stage_items",
        "Items processed by finished shards (throughput: rate(items) / rate(seconds)).",
        s.items,
    )
    yield _per_stage("stage_records", "Records written by finished shards.", s.records)
    yield _per_stage("stage_seconds", "Wall seconds of finished shards.", s.seconds)
    dropped = CounterMetricFamily(
        f"{PREFIX}_stage_dropped", "Items dropped, by reason code.", labels=["stage", "reason"]
    )
    for (stage, reason), n in sorted(s.dropped.items()):
        dropped.add_metric([stage, reason], n)
    yield dropped


def _llm_families(s: Snapshot) -> Iterator[Metric]:
    """LLM requests, tokens, retries and failures (one counter name each in the snapshot), then latency."""
    requests = CounterMetricFamily(
        f"{PREFIX}_llm_requests",
        "LLM requests; cached = answered by the response cache.",
        labels=["stage", "endpoint", "cached"],
    )
    tokens = CounterMetricFamily(
        f"{PREFIX}_llm_tokens", "LLM tokens.", labels=["stage", "endpoint", "kind", "cached"]
    )
    retries = CounterMetricFamily(
        f"{PREFIX}_llm_retries", "LLM requests retried.", labels=["stage", "endpoint"]
    )
    failures = CounterMetricFamily(
        f"{PREFIX}_llm_failures", "LLM requests that failed for good.", labels=["stage", "endpoint"]
    )
    for (stage, endpoint, name), n in sorted(s.llm.items()):
        lab = [stage, endpoint]
        match name:
            case "requests":
                requests.add_metric([*lab, "false"], n)
            case "cached":
                requests.add_metric([*lab, "true"], n)
            case "prompt_tokens" | "completion_tokens":
                tokens.add_metric([*lab, name.removesuffix("_tokens"), "false"], n)
            case "cached_prompt_tokens" | "cached_completion_tokens":
                kind = name.removeprefix("cached_").removesuffix("_tokens")
                tokens.add_metric([*lab, kind, "true"], n)
            case "retries":
                retries.add_metric(lab, n)
            case "failures":
                failures.add_metric(lab, n)
    yield from (requests, tokens, retries, failures)
    latency = HistogramMetricFamily(
        f"{PREFIX}_llm_request_seconds",
        "Latency of answered LLM requests (not cache hits).",
        labels=["stage", "endpoint"],
    )
    for (stage, endpoint), h in sorted(s.llm_latency.items()):
        latency.add_metric([stage, endpoint], h.family_buckets(), h.sum_s)
    yield latency


def _judge_families(s: Snapshot) -> Iterator[Metric]:
    """Judge calls, failures and submissions per stage, then the calls' wall time."""
    judge = {
        name: CounterMetricFamily(f"{PREFIX}_judge_{name}", doc, labels=["stage"])
        for name, doc in (
            ("calls", "Judge calls (one batch of submissions, sent and awaited)."),
            ("failures", "Judge calls that failed (judge unreachable or a system error)."),
            ("submissions", "Programs sent to the judge."),
        )
    }
    for (stage, name), n in sorted(s.judge.items()):
        judge[name].add_metric([stage], n)
    yield from judge.values()
    jl = HistogramMetricFamily(f"{PREFIX}_judge_call_seconds", "Wall time of judge calls.", labels=["stage"])
    for stage, h in sorted(s.judge_latency.items()):
        jl.add_metric([stage], h.family_buckets(), h.sum_s)
    yield jl
