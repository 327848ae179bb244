"""Per-process HTTP metrics of an API replica (default Prometheus registry)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import Histogram
from starlette.routing import Mount

REQUEST_SECONDS = Histogram(
    "xcoder_judge_http_request_duration_seconds",
    "HTTP request latency of this API process, by route and status.",
    labelnames=("method", "route", "status"),
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


def route_template(scope: Scope) -> str:
    """The route a request matched, as its path template (bounded label values).

    FastAPI's own routes put themselves in the scope; plain Starlette routes (`/openapi.json`)
    leave only their endpoint, which is looked up among the app's routes, and mounted static files
    are labelled by their mount (`/docs-assets/{path}`). A request that matched nothing (a 404) is `unmatched`, so no client picks labels.
    """
    path = getattr(scope.get("route"), "path", None)
    if path:
        return path
    routes = getattr(getattr(scope.get("app"), "router", None), "routes", ())
    endpoint = scope.get("endpoint")
    if endpoint is not None:
        for route in routes:
            if getattr(route, "endpoint", None) is endpoint and getattr(route, "path", None):
                return route.path
    request_path = scope.get("path", "")
    for route in routes:
        if isinstance(route, Mount) and route.path and request_path.startswith(route.path + "/"):
            return route.path + "/{path}"  # static files (the docs' assets)
    return "unmatched"


class RequestMetrics:
    """ASGI middleware timing every HTTP request by its route template (bounded label values)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUEST_SECONDS.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - start
            )
