"""The OpenAPI document, with the API-key security schemes declared whether or not keys are set.

FastAPI lists a security scheme only where the auth dependency is mounted, and the app mounts it
only when XCODER_JUDGE_API_KEYS is set (it would cost every request for nothing otherwise). The
document describes the API, not one deployment, so the schemes and each guarded operation's
`security` are added here; their descriptions say they apply when keys are configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


def install(app: FastAPI, guarded_paths: Iterable[str]) -> None:
    """Make `app.openapi()` return the document with the key schemes on `guarded_paths`."""
    guarded = frozenset(guarded_paths)

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
                    if method in item:
                        if path in guarded:
                            item[method]["security"] = requirement
                        else:
                            item[method].pop("security", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
