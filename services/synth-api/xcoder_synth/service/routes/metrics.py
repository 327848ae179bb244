"""Prometheus `/metrics` (open, like the judge's): runs, stage throughput, LLM and judge use."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from xcoder_synth.service.deps import RedisDep, SettingsDep
from xcoder_synth.service.metrics import SynthCollector, take_snapshot

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response, summary="Prometheus text format")
def metrics(conn: RedisDep, settings: SettingsDep) -> Response:
    # A plain def: FastAPI runs it in a thread, so reading run directories never blocks the loop.
    scrape = CollectorRegistry()
    scrape.register(SynthCollector(take_snapshot(settings, conn)))
    return Response(content=generate_latest(scrape), media_type=CONTENT_TYPE_LATEST)
