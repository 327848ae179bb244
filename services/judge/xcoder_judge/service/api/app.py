"""The FastAPI application: native API, compat APIs, health and metrics.

The Redis pool, the completion waiter and the language directory live for the process and are
created in the lifespan (never at import), so tests and `uvicorn --factory` get fresh ones.
A Redis outage at start-up is not fatal: the API serves 503s and `/readyz` says why until
Redis answers, then recovers by itself.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from xcoder_judge import __version__
from xcoder_judge.config import Settings, get_settings
from xcoder_judge.service import logs
from xcoder_judge.service.api import docs_pages, errors, openapi_doc
from xcoder_judge.service.api.auth import Access, access_of, check_every_route_declares_access
from xcoder_judge.service.api.coalesce import Coalescer
from xcoder_judge.service.api.fast_path import FastPath, Receive, Scope, Send
from xcoder_judge.service.api.judging import Services
from xcoder_judge.service.api.languages import LanguageDirectory
from xcoder_judge.service.api.routers import code_judge, health, metrics, node, sandbox_fusion, submissions
from xcoder_judge.service.metrics.http_metrics import RequestMetrics
from xcoder_judge.service.queue.enqueue import Enqueuer
from xcoder_judge.service.queue.notify import CompletionWaiter
from xcoder_judge.service.redis_clients import DEFAULT_URL, async_client

DESCRIPTION = """\
Sandboxed code judge of X-Coder. Submit programs with tests under `/v1/submissions` and get
verdicts (`AC WA PE TLE MLE OLE RE CE SE SK`). SandboxFusion's `/run_code` and code-judge's
`/judge…`, `/run…` are served too, for existing clients. See docs/judge-api.md.
"""


def _operation_id(route: APIRoute) -> str:
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag.replace(': ', '-').replace(' ', '-')}-{route.name}"


def _drain_on_shutdown_signals(waiter: CompletionWaiter) -> Callable[[], None]:
    """Chain onto the server's SIGTERM/SIGINT handlers: end long polls at once.

    uvicorn waits for requests in flight before it runs the lifespan's shutdown; a request
    waiting for a verdict could hold it for its whole `wait`. Draining answers those requests
    with the state they have (202 for pending work, which clients poll for elsewhere).
    """
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: Any) -> None:
        loop.call_soon_threadsafe(waiter.drain)
        handler = previous.get(signum)
        if callable(handler):
            handler(signum, frame)

    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals are the main thread's; an embedding server handles them
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, on_signal)

    def restore() -> None:
        for signum, handler in previous.items():
            if signal.getsignal(signum) is on_signal:
                signal.signal(signum, handler)

    return restore


class JudgeApp(FastAPI):
    """The FastAPI app, with the compat fast path (fast_path.py) in front of its middleware."""

    fast_path: FastPath | None = None  # None: FastAPI serves every request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.fast_path
        if fast is None or (op := fast.operation_for(scope)) is None:
            await super().__call__(scope, receive, send)
        else:
            await fast.serve(op, scope, receive, send, super().__call__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure(settings.log_level)  # again here: `--api-workers N` children start afresh
    max_body = int(settings.max_body_mb * (1 << 20))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = async_client(settings.redis_url or DEFAULT_URL, max_connections=settings.redis_pool_size)
        waiter = CompletionWaiter(redis)
        await waiter.start()
        coalescer = Coalescer(
            window_s=settings.coalesce_window_ms / 1000,
            max_tests=settings.coalesce_max_tests,
            hold_s=settings.coalesce_hold_ms / 1000,
            hold_after_jobs=settings.coalesce_hold_after_jobs,
            result_ttl_s=settings.result_ttl_s,
        )
        app.state.services = Services(
            settings=settings,
            redis=redis,
            waiter=waiter,
            enqueuer=Enqueuer(redis),
            languages=LanguageDirectory(redis),
            coalescer=coalescer,
        )
        restore = _drain_on_shutdown_signals(waiter)
        try:
            yield
        finally:
            restore()
            await coalescer.close()
            await waiter.close()
            await redis.aclose()

    app = JudgeApp(
        title="X-Coder judge",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=max_body,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # served by docs_pages from packaged assets, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.key_ring = settings.key_ring
    errors.install(app)
    docs_pages.install(app)
    # Every route declares who may call it (auth.access: roles, or public); with keys, each request
    # acts as its key's tenant. XCODER_JUDGE_COMPAT_OPEN leaves the compat routes open (clients
    # that cannot send a key, on a trusted network) while the native API keeps its keys.
    for router in ROUTERS:
        app.include_router(router)
    routes = api_routes(app)
    check_every_route_declares_access(routes)
    openapi_doc.install(app, _keyed_paths(routes, settings))
    app.add_middleware(RequestMetrics)
    fast_path = FastPath(app, routes, max_body_bytes=max_body)  # built either way: it checks the routes
    app.fast_path = fast_path if settings.compat_fast_path else None
    return app


ROUTERS = (
    submissions.router,
    node.router,
    sandbox_fusion.router,
    code_judge.router,
    health.router,
    metrics.router,
    sandbox_fusion.open_router,
    code_judge.open_router,
)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route the app serves: its own and those of the routers it includes."""
    own = [r for r in app.routes if isinstance(r, APIRoute)]
    return own + [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _keyed_paths(routes: list[APIRoute], settings: Settings) -> dict[str, Access]:
    """The operations that need a key in this deployment, with their rules (for the OpenAPI doc)."""
    keyed: dict[str, Access] = {}
    for route in routes:
        rule = access_of(route)
        if rule is None or rule.public or (rule.compat and settings.compat_open):
            continue
        if rule.metrics and not settings.metrics_require_key:
            continue
        for method in route.methods:
            keyed[f"{method.lower()} {route.path}"] = rule
    return keyed
