"""`POST /run_code`, `/judge` and `/run` served without FastAPI's per-request machinery.

verl's reward sends one `/run_code` per test and code-judge clients one `/judge` per test, so
the API's cost per request is paid ten times a submission. FastAPI's share of it (the middleware
chain, dependency solving, the body field machinery, a Request object per request) was twice the
work the route itself does. This path takes those three operations straight from the ASGI scope
and calls the route's own endpoint, so the FastAPI routes stay the one definition of what they do
(and document them in the OpenAPI document).

It serves a request itself only when nothing about it is unusual: a JSON content type, a body
within `max_body_mb` that the strict reader (strict_json.py) and the route's own body field
accept, and a key that the route's access rule (auth.decide) lets in. Any other request goes to
FastAPI, with the body messages read so far replayed, so its 401/403/413/400/422 answers, their
headers and the DENIED metric are FastAPI's own. Exceptions from the endpoint are answered by the
app's exception handlers, looked up as Starlette looks them up; the request metric is recorded
with the route's template, as RequestMetrics records it.
"""

from __future__ import annotations

import inspect
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from xcoder_judge.service.api import deps
from xcoder_judge.service.api.auth import Access, Refusal, access_of, decide, presented_keys
from xcoder_judge.service.api.judging import Judging
from xcoder_judge.service.api.strict_json import parse_body
from xcoder_judge.service.metrics.http_metrics import REQUEST_SECONDS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SERVED = ("/run_code", "/judge", "/run")  # POST only; one test each
_HEADERS = (b"content-type", b"content-length", b"authorization", b"x-api-key")


@dataclass(frozen=True, slots=True)
class Operation:
    """One route this path serves: its rule, its body field and how its endpoint is called."""

    route: APIRoute
    rule: Access
    body_field: Any  # FastAPI's ModelField: validates as the route does
    body_name: str
    judging_name: str
    settings_name: str


def operation_of(route: APIRoute) -> Operation:
    """The route as this path calls it; refuses a route that needs more than it provides.

    The endpoint may take one JSON body, the request's Judging and the settings, nothing else:
    a route given another dependency or parameter must go back to FastAPI, and this says so
    when the app is built rather than serving it half-resolved.
    """
    dependant = route.dependant
    rule = access_of(route)
    named = {d.call: d.name for d in dependant.dependencies if d.name is not None}
    unnamed = [d for d in dependant.dependencies if d.name is None]
    extra = (
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.path_params
        or dependant.request_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
    )
    if (
        rule is None
        or route.body_field is None
        or len(dependant.body_params) != 1
        or extra
        or len(unnamed) != 1
        or set(named) != {deps.get_judging, deps.get_app_settings}
    ):
        raise RuntimeError(
            f"the compat fast path cannot serve {sorted(route.methods)} {route.path}: its endpoint "
            "must take just a JSON body, JudgingDep and SettingsDep under one access(...) rule"
        )
    return Operation(
        route=route,
        rule=rule,
        body_field=route.body_field,
        body_name=dependant.body_params[0].name,
        judging_name=named[deps.get_judging],
        settings_name=named[deps.get_app_settings],
    )


def is_json(content_type: bytes) -> bool:
    """Plain `application/json` (with parameters); FastAPI decides every other content type."""
    return content_type.split(b";", 1)[0].strip().lower() == b"application/json"


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` with the messages already taken from it put back in front."""
    pending = deque(messages)

    async def replayed() -> Message:
        if pending:
            return pending.popleft()
        return await receive()

    return replayed


class FastPath:
    """Serves SERVED for one app, or hands the request to `fallback` (the whole FastAPI app)."""

    def __init__(self, app: FastAPI, routes: list[APIRoute], *, max_body_bytes: int) -> None:
        self._app = app
        self._max_body = max_body_bytes
        self._ops = {
            route.path: operation_of(route)
            for route in routes
            if route.path in SERVED and "POST" in route.methods
        }
        missing = set(SERVED) - set(self._ops)
        if missing:
            raise RuntimeError(f"the compat fast path has no FastAPI route for {sorted(missing)}")

    def operation_for(self, scope: Scope) -> Operation | None:
        """The operation this path serves for `scope`, or None: FastAPI serves it."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return None
        op = self._ops.get(scope["path"])
        if op is None or self._app.dependency_overrides or self._app.root_path:
            return None
        telemetry = getattr(self._app, "_native_telemetry", None)
        if telemetry is not None and telemetry.enabled():
            return None  # FastAPI's spans and meters see every request where they are on
        return op

    async def serve(
        self, op: Operation, scope: Scope, receive: Receive, send: Send, fallback: ASGIApp
    ) -> None:
        """Answer the request, or pass it (with what was read of its body) to `fallback`."""
        start = time.perf_counter()
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _HEADERS and name not in headers:
                headers[name] = value
        content_type = headers.get(b"content-type")
        length = headers.get(b"content-length")
        if (
            content_type is None
            or not is_json(content_type)
            or (length is not None and not (length.isdigit() and int(length) <= self._max_body))
        ):
            await fallback(scope, receive, send)
            return
        state = self._app.state
        principal = decide(op.rule, state.key_ring, state.settings, lambda: _keys(headers, scope))
        if principal is None or isinstance(principal, Refusal):
            await fallback(scope, receive, send)  # FastAPI counts and answers the refusal
            return
        body, messages = await self._read(receive)
        model = self._model(op, body)
        if model is None:
            await fallback(scope, _replay(messages, receive), send)
            return
        scope["app"] = self._app
        sent = _Sent(send)
        try:
            await self._answer(op, model, principal.tenant, scope, receive, sent)
        finally:
            status = str(sent.status or 500)  # none sent: the server's 500, as RequestMetrics sees it
            REQUEST_SECONDS.labels("POST", op.route.path, status).observe(time.perf_counter() - start)

    async def _read(self, receive: Receive) -> tuple[bytes | None, list[Message]]:
        """The whole body (None past the limit or if the client left) and the messages it came in."""
        messages: list[Message] = []
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return None, messages
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body:
                return None, messages
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), messages

    @staticmethod
    def _model(op: Operation, body: bytes | None) -> Any:
        """The body as the route's body field validates it, or None where FastAPI must answer."""
        if not body:
            return None
        try:
            value = parse_body(body)
        except Exception:  # each unreadable body is FastAPI's to answer (400/422)
            return None
        if value is None:
            return None
        model, errors = op.body_field.validate(value, loc=("body",))
        return None if errors else model

    async def _answer(
        self, op: Operation, model: Any, tenant: str | None, scope: Scope, receive: Receive, sent: _Sent
    ) -> None:
        state = self._app.state
        try:
            response = await op.route.endpoint(
                **{
                    op.body_name: model,
                    op.judging_name: Judging(state.services, tenant=tenant),
                    op.settings_name: state.settings,
                }
            )
            if not isinstance(response, Response):
                raise TypeError(f"{op.route.path}'s endpoint must return a Response to be served here")
            await response(scope, receive, sent)
        except Exception as exc:
            if sent.status is not None:
                raise
            await self._handle(exc, scope, receive, sent)

    async def _handle(self, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer `exc` as the app would: by its handler (as ExceptionMiddleware finds it), else
        with a plain 500 and the exception raised on to the server's log (ServerErrorMiddleware)."""
        handlers = self._app.exception_handlers
        handler = handlers.get(exc.status_code) if isinstance(exc, HTTPException) else None
        if handler is None:
            handler = next(
                (handlers[c] for c in type(exc).__mro__ if c in handlers and c is not Exception), None
            )
        request = Request(scope, receive)
        if handler is None:
            last = handlers.get(500) or handlers.get(Exception)
            response = await _call(last, request, exc) if last is not None else None
            await (response or PlainTextResponse("Internal Server Error", status_code=500))(
                scope, receive, send
            )
            raise exc
        response = await _call(handler, request, exc)
        if response is not None:
            await response(scope, receive, send)


class _Sent:
    """`send`, noting the status it started the response with (None until then)."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


async def _call(handler: Callable[..., Any], request: Request, exc: Exception) -> Response | None:
    if inspect.iscoroutinefunction(handler):
        return await handler(request, exc)
    return await run_in_threadpool(handler, request, exc)


def _keys(headers: dict[bytes, bytes], scope: Scope) -> list[str]:
    """The keys presented, read as Starlette reads headers (latin-1) and the query string."""
    text = {name.decode(): value.decode("latin-1") for name, value in headers.items()}
    query = scope.get("query_string", b"")
    return presented_keys(text, QueryParams(query) if query else {})
