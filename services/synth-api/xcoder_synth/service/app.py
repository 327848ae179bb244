"""The synth-api application: health, runs, single-stage jobs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import redis
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from xcoder_synth import __version__
from xcoder_synth.service.deps import require_key
from xcoder_synth.service.routes import health, metrics, runs, stages
from xcoder_synth.settings import Settings, get_settings


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.redis = redis.Redis.from_url(settings.redis_url)
        settings.runs_dir.mkdir(parents=True, exist_ok=True)
        try:
            yield
        finally:
            app.state.redis.close()

    app = FastAPI(
        title="xcoder-synth",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        description="SynthSmith: synthetic tasks, solutions and dual-verified tests (docs/synth.md).",
    )
    app.include_router(health.router)
    app.include_router(metrics.router)
    guarded = [Depends(require_key)]
    app.include_router(runs.router, dependencies=guarded)
    app.include_router(stages.router, dependencies=guarded)
    return app
