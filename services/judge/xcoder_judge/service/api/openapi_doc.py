"""The OpenAPI document, with the API-key security schemes declared whether or not keys are set.

Keys are read by auth.py itself (not FastAPI's security classes, which would cost every request
in open mode), so FastAPI lists no scheme. The document describes the API, not whether this
deployment has keys: the schemes, each keyed operation's `security` and the roles it accepts
(`x-roles`) are added here; the descriptions say they apply when keys are configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from xcoder_judge.service.api.auth import Access

_WHEN = "Needed only when the judge runs with XCODER_JUDGE_API_KEYS; any one scheme suffices."
SCHEMES: dict[str, dict[str, Any]] = {
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": f"`Authorization: Bearer KEY`. {_WHEN}",
    },
    "APIKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": f"`X-API-Key: KEY`. {_WHEN}",
    },
    "HTTPBasic": {
        "type": "http",
        "scheme": "basic",
        "description": f"The key as password (or user name): what `http://:KEY@host` URLs send. {_WHEN}",
    },
    "APIKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": f"`?api_key=KEY`, for clients configured by URL only (verl's sandbox_fusion.url). {_WHEN}",
    },
}
_METHODS = ("get", "post", "put", "patch", "delete")


def install(app: FastAPI, keyed: Mapping[str, Access]) -> None:
    """Make `app.openapi()` return the document with the key schemes on the `keyed` operations
    (`"<method> <path>"` → their rule), each naming the roles it accepts in `x-roles`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            doc.setdefault("components", {})["securitySchemes"] = dict(SCHEMES)
            requirement = [{name: []} for name in SCHEMES]
            for path, item in doc.get("paths", {}).items():
                for method in _METHODS:
                    if method not in item:
                        continue
                    rule = keyed.get(f"{method} {path}")
                    if rule is not None:
                        item[method]["security"] = requirement
                        item[method]["x-roles"] = sorted(r.value for r in rule.roles)
                    else:
                        item[method].pop("security", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
