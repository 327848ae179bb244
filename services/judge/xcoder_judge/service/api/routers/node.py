"""What the cluster offers: languages, enforced isolation, queue and worker status."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends
from xcoder_wire.schemas import (
    CapabilitiesResponse,
    LanguageInfo,
    ServiceStatus,
    WorkerCapabilities,
    WorkerStatus,
)

from xcoder_judge.service.api.auth import ANY_KEY, OPERATOR, access
from xcoder_judge.service.api.deps import RedisDep, ServicesDep
from xcoder_judge.service.queue.overview import read_overview
from xcoder_judge.service.queue.presence import read_live

router = APIRouter(prefix="/v1", tags=["node"])


@router.get(
    "/languages",
    response_model=list[LanguageInfo],
    dependencies=[Depends(access(ANY_KEY))],  # what a client may submit: any key may ask
    summary="Languages the live workers offer",
)
async def languages(services: ServicesDep) -> list[LanguageInfo]:
    offer = await services.languages.offer()
    return offer.languages if offer.from_workers else []


@router.get(
    "/capabilities",
    response_model=CapabilitiesResponse,
    dependencies=[Depends(access(OPERATOR))],
    summary="Isolation each live worker enforces",
)
async def capabilities(redis: RedisDep) -> CapabilitiesResponse:
    workers = await read_live(redis)
    return CapabilitiesResponse(
        workers=[WorkerCapabilities(name=w.name, slots=w.slots, capabilities=w.capabilities) for w in workers]
    )


@router.get(
    "/status",
    response_model=ServiceStatus,
    dependencies=[Depends(access(OPERATOR))],
    summary="Queue depths, live workers, busy slots",
)
async def status(redis: RedisDep) -> ServiceStatus:
    ov = await read_overview(redis)
    now = time.time()
    return ServiceStatus(
        queued=ov.queued,
        running=sum(ov.running.values()),
        workers=[
            WorkerStatus(
                name=w.name,
                host=w.host,
                slots=w.slots,
                slots_busy=w.slots_busy,
                job_threads=w.job_threads,
                draining=w.draining,
                languages=[lang.id for lang in w.languages],
                isolation=w.capabilities.level,
                uptime_s=round(max(0.0, now - w.started_at), 3),
            )
            for w in ov.workers
        ],
        slots_total=ov.slots_total,
        slots_busy=ov.slots_busy,
    )
