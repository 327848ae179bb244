"""Job metrics through real Redis: what workers record is what every API replica exposes, with
the labels a Grafana user filters by (language, priority, verdict, tenant), bounded to known values."""

from __future__ import annotations

import asyncio
import re

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, generate_latest
from xcoder_judge.service.metrics.expose import ClusterCollector, read_job_counters
from xcoder_judge.service.metrics.record import record_job


def _exposed(redis_url: str, tenants: frozenset[str] = frozenset()) -> str:
    async def read():
        client = aioredis.Redis.from_url(redis_url)
        try:
            return await read_job_counters(client, tenants)
        finally:
            await client.aclose()

    registry = CollectorRegistry()
    registry.register(ClusterCollector(None, asyncio.run(read())))
    return generate_latest(registry).decode()


def test_job_series_carry_language_priority_and_verdict(redis_url, sync_redis) -> None:
    with sync_redis.pipeline() as pipe:
        record_job(
            pipe, verdict="AC", language="cpp17", priority="bulk", tenant=None, queue_wait_s=0.3, judge_s=0.04
        )
        record_job(
            pipe, verdict="AC", language="cpp17", priority="bulk", tenant=None, queue_wait_s=0.3, judge_s=7.0
        )
        record_job(
            pipe,
            verdict="TLE",
            language="python3",
            priority="interactive",
            tenant=None,
            queue_wait_s=0.001,
            judge_s=2.0,
        )
        pipe.execute()
    text = _exposed(redis_url)
    bulk = 'language="cpp17",priority="bulk",tenant="open",verdict="AC"'
    assert re.search(rf"^xcoder_judge_jobs_total{{{bulk}}} 2\.0$", text, re.M)

    def bucket(stage: str, language: str, le: str, priority: str, verdict: str) -> str:
        labels = f'language="{language}",le="{le}",priority="{priority}",tenant="open",verdict="{verdict}"'
        m = re.search(rf"^xcoder_judge_job_{stage}_seconds_bucket{{{labels}}} (\S+)$", text, re.M)
        assert m, (stage, labels)
        return m.group(1)

    assert bucket("judge", "cpp17", "0.025", "bulk", "AC") == "0.0"
    assert bucket("judge", "cpp17", "0.05", "bulk", "AC") == "1.0"
    assert bucket("judge", "cpp17", "10.0", "bulk", "AC") == "2.0"
    assert re.search(rf"^xcoder_judge_job_judge_seconds_sum{{{bulk}}} 7\.04$", text, re.M)
    assert bucket("queue_wait", "python3", "0.005", "interactive", "TLE") == "1.0"
    tle = 'language="python3",priority="interactive",tenant="open",verdict="TLE"'
    assert re.search(rf"^xcoder_judge_job_judge_seconds_count{{{tle}}} 1\.0$", text, re.M)


def test_label_values_a_client_picks_are_folded_into_other(redis_url, sync_redis) -> None:
    """A policy (or a buggy client) must not mint series: unknown values are all `other`."""
    with sync_redis.pipeline() as pipe:
        for i in range(50):
            record_job(
                pipe,
                verdict=f"V{i}",
                language=f"lang-{i}",
                priority=f"p{i}",
                tenant=None,
                queue_wait_s=None,
                judge_s=1.0,
            )
        record_job(
            pipe,
            verdict="WA",
            language="python3",
            priority=None,
            tenant=None,
            queue_wait_s=None,
            judge_s=None,
        )
        pipe.execute()
    text = _exposed(redis_url)
    jobs = re.findall(r"^xcoder_judge_jobs_total\{(.*)\} (\S+)$", text, re.M)
    assert sorted(jobs) == [
        ('language="other",priority="other",tenant="open",verdict="other"', "50.0"),
        ('language="python3",priority="other",tenant="open",verdict="WA"', "1.0"),
    ]
    assert len(re.findall(r"^xcoder_judge_job_judge_seconds_count\{", text, re.M)) == 1


def test_tenant_label_is_bounded_to_configured_tenants(redis_url, sync_redis) -> None:
    """Tenants come from job ids; a name the configuration no longer holds, or one no key could
    have made (a `|` would break the field layout), is `other`, summed with the rest."""
    with sync_redis.pipeline() as pipe:
        for tenant in ("team-a", "team-a", "team-b", "gone-team", "x|y", "Bad_Name"):
            record_job(
                pipe,
                verdict="AC",
                language="python3",
                priority="bulk",
                tenant=tenant,
                queue_wait_s=0.2,
                judge_s=0.2,
            )
        pipe.execute()
    text = _exposed(redis_url, frozenset({"team-a", "team-b"}))
    jobs = dict(re.findall(r'^xcoder_judge_jobs_total\{.*tenant="([^"]*)".*\} (\S+)$', text, re.M))
    assert jobs == {"team-a": "2.0", "team-b": "1.0", "other": "3.0"}
    counts = dict(
        re.findall(r'^xcoder_judge_job_judge_seconds_count\{.*tenant="([^"]*)".*\} (\S+)$', text, re.M)
    )
    assert counts == {"team-a": "2.0", "team-b": "1.0", "other": "3.0"}
    other_sum = re.search(r'^xcoder_judge_job_judge_seconds_sum\{.*tenant="other".*\} (\S+)$', text, re.M)
    assert other_sum and abs(float(other_sum.group(1)) - 0.6) < 1e-9


def test_fields_of_an_older_layout_are_left_out(redis_url, sync_redis) -> None:
    """Counters an older release left in Redis (`verdict|language`, bare `le:` buckets)."""
    from xcoder_judge.service.queue import keys

    sync_redis.hset(keys.jobs_counter_key(), "AC|python3", 5)
    sync_redis.hset(keys.latency_key("judge"), mapping={"le:0.5": 3, "sum": 1.0, "count": 3})
    text = _exposed(redis_url)
    assert "xcoder_judge_jobs_total{" not in text
    assert "xcoder_judge_job_judge_seconds_count{" not in text
