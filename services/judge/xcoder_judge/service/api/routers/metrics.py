"""Prometheus `/metrics`: cluster-wide job metrics (from Redis) plus this process's HTTP metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from redis import exceptions as redis_errors

from xcoder_judge.service.api.auth import OPERATOR, access
from xcoder_judge.service.api.deps import RedisDep, SettingsDep
from xcoder_judge.service.metrics.expose import ClusterCollector, JobCounters, read_job_counters
from xcoder_judge.service.queue.overview import Overview, read_overview

# Open by default (scrapers behind a NetworkPolicy); operator keys only with
# XCODER_JUDGE_METRICS_REQUIRE_KEY.
router = APIRouter(tags=["metrics"], dependencies=[Depends(access(OPERATOR, metrics=True))])


@router.get("/metrics", response_class=Response, summary="Prometheus text format")
async def metrics(redis: RedisDep, settings: SettingsDep) -> Response:
    overview: Overview | None = None
    counters: JobCounters | None = None
    try:
        overview = await read_overview(redis)
        counters = await read_job_counters(redis, settings.key_ring.tenants)
    except (redis_errors.ConnectionError, redis_errors.TimeoutError):
        pass  # still serve this process's metrics, with xcoder_judge_redis_up 0
    scrape = CollectorRegistry()
    scrape.register(ClusterCollector(overview, counters))
    body = generate_latest(scrape) + generate_latest(REGISTRY)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
