"""Who a request acts as, and whether its route lets it: API keys → tenant and roles.

A key travels as `Authorization: Bearer K`, `X-API-Key: K`, `?api_key=K`, or HTTP Basic with
the key as password (or user name). The last two are for clients that can only be given a URL:
verl's SandboxFusion caller posts to the URL as given (`…/run_code?api_key=K` works), while
code-judge clients such as X-Coder's judge_client.py append paths to a base URL, so only
`http://:K@host:8000` survives there (requests and httpx turn URL credentials into a Basic header).

Every route declares its access with `Depends(access(...))` (routers/). `create_app` refuses
to start with a route that declares none, so no route ships unguarded by omission. The check
stores the request's `Principal` on `request.state` for the handlers (deps.py); keys are parsed
from the headers here rather than by FastAPI's security classes, so that open mode costs one
attribute read per request.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from fastapi.routing import APIRoute

from xcoder_judge.service.api.keyring import OPEN, KeyRing, Principal, Role
from xcoder_judge.service.metrics.tenants import DENIED

# What each kind of route accepts (any one role suffices).
SUBMIT = frozenset({Role.submit})
READ = frozenset({Role.submit, Role.read})
OPERATOR = frozenset({Role.operator})
ANY_KEY = frozenset(Role)


@dataclass(frozen=True, slots=True)
class Access:
    """A route's access rule. `roles` empty: public. `compat`: open under XCODER_JUDGE_COMPAT_OPEN.
    `metrics`: public unless XCODER_JUDGE_METRICS_REQUIRE_KEY."""

    roles: frozenset[Role]
    compat: bool = False
    metrics: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


AccessCheck = Callable[[Request], Awaitable[None]]
_ACCESS_ATTR = "xcoder_access"


def access(roles: frozenset[Role], *, compat: bool = False, metrics: bool = False) -> AccessCheck:
    """The dependency that enforces `roles` on a route (and declares them, for `access_of`)."""
    rule = Access(roles=roles, compat=compat, metrics=metrics)

    async def check(request: Request) -> None:
        app = request.app
        ring: KeyRing = app.state.key_ring
        if ring.open:
            request.state.principal = OPEN
            return
        if rule.public or (rule.metrics and not app.state.settings.metrics_require_key):
            request.state.principal = None  # serves nothing scoped to a tenant
            return
        presented = _presented_keys(request)
        if not presented and rule.compat and app.state.settings.compat_open:
            request.state.principal = Principal(tenant=None, roles=SUBMIT)
            return
        entry = None
        for key in presented:
            entry = ring.identify(key)
            if entry is not None:
                break
        if entry is None:
            DENIED.labels("401").inc()
            raise _unauthorized("wrong API key" if presented else "missing API key")
        if not (entry.roles & rule.roles):
            have = "+".join(sorted(entry.roles))
            need = " or ".join(sorted(rule.roles))
            DENIED.labels("403").inc()
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"this key (tenant {entry.tenant!r}, roles {have}) may not "
                f"{request.method} {_template(request)}: that needs the role {need} "
                "(see docs/judge-api.md, Tenants and roles)",
            )
        request.state.principal = Principal(tenant=entry.tenant, roles=entry.roles)

    setattr(check, _ACCESS_ATTR, rule)
    return check


def access_of(route: APIRoute) -> Access | None:
    """The access rule a route declared through `access(...)`, if any."""
    rules = [
        getattr(dep.call, _ACCESS_ATTR)
        for dep in route.dependant.dependencies
        if hasattr(dep.call, _ACCESS_ATTR)
    ]
    return rules[0] if len(rules) == 1 else None


def check_every_route_declares_access(routes: list[APIRoute]) -> None:
    """Refuse to build an app with an API route that declares no access rule (or two)."""
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes if access_of(r) is None]
    if missing:
        raise RuntimeError(f"routes without exactly one access(...) rule: {', '.join(missing)}")


def principal_of(request: Request) -> Principal:
    """The principal the route's access check stored (open mode: OPEN)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("a tenant-scoped handler on a route whose access rule is public")
    return principal


def _presented_keys(request: Request) -> list[str]:
    keys: list[str] = []
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            keys.append(token)
        elif scheme.lower() == "basic" and token:
            try:
                user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user = password = ""
            if password or user:
                keys.append(password or user)
    header = request.headers.get("x-api-key")
    if header:
        keys.append(header)
    query = request.query_params.get("api_key")
    if query:
        keys.append(query)
    return keys


def _template(request: Request) -> str:
    return getattr(request.scope.get("route"), "path", request.url.path)


def _unauthorized(why: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=f"{why} (send `Authorization: Bearer <key>` or `X-API-Key: <key>`, "
        "or put it in the URL: `?api_key=<key>` or `http://:<key>@host`; see docs/judge-api.md)",
        headers={"WWW-Authenticate": "Bearer"},
    )
