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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from fastapi.routing import APIRoute

from xcoder_judge.config import Settings
from xcoder_judge.service.api.keyring import OPEN, KeyEntry, KeyRing, Principal, Role
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


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request may not use a route: 401 (no or a wrong key) or 403 (a key without the role)."""

    status: int
    presented: bool
    entry: KeyEntry | None = None


def decide(
    rule: Access, ring: KeyRing, settings: Settings, presented_keys: Callable[[], list[str]]
) -> Principal | Refusal | None:
    """Whom a request acts as under `rule` (None: a public route), or why it is refused.

    Free of side effects, so that the compat fast path (fast_path.py) can ask it too and leave
    every refusal to the FastAPI route, which counts it and answers it. `presented_keys` is only
    called where a key matters (never in open mode).
    """
    if ring.open:
        return OPEN
    if rule.public or (rule.metrics and not settings.metrics_require_key):
        return None  # serves nothing scoped to a tenant
    presented = presented_keys()
    if not presented and rule.compat and settings.compat_open:
        return Principal(tenant=None, roles=SUBMIT)
    entry = None
    for key in presented:
        entry = ring.identify(key)
        if entry is not None:
            break
    if entry is None:
        return Refusal(401, presented=bool(presented))
    if not (entry.roles & rule.roles):
        return Refusal(403, presented=True, entry=entry)
    return Principal(tenant=entry.tenant, roles=entry.roles)


def access(roles: frozenset[Role], *, compat: bool = False, metrics: bool = False) -> AccessCheck:
    """The dependency that enforces `roles` on a route (and declares them, for `access_of`)."""
    rule = Access(roles=roles, compat=compat, metrics=metrics)

    async def check(request: Request) -> None:
        app = request.app
        decision = decide(
            rule,
            app.state.key_ring,
            app.state.settings,
            lambda: presented_keys(request.headers, request.query_params),
        )
        if not isinstance(decision, Refusal):
            request.state.principal = decision
            return
        DENIED.labels(str(decision.status)).inc()
        if decision.entry is None:
            raise _unauthorized("wrong API key" if decision.presented else "missing API key")
        have = "+".join(sorted(decision.entry.roles))
        need = " or ".join(sorted(rule.roles))
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"this key (tenant {decision.entry.tenant!r}, roles {have}) may not "
            f"{request.method} {_template(request)}: that needs the role {need} "
            "(see docs/judge-api.md, Tenants and roles)",
        )

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


def presented_keys(headers: Mapping[str, str], query: Mapping[str, str]) -> list[str]:
    """The keys a request presents, in the order they are tried (Authorization, X-API-Key, query)."""
    keys: list[str] = []
    authorization = headers.get("authorization")
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
    header = headers.get("x-api-key")
    if header:
        keys.append(header)
    in_url = query.get("api_key")
    if in_url:
        keys.append(in_url)
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
