"""Who sent a request, for fair turns on the workers' slots: a fingerprint of its API key.

Only a key from `XCODER_JUDGE_API_KEYS` names a caller (auth.py has already refused the others);
the key itself never leaves the API: jobs carry the first 16 hex digits of its SHA-256. Without
configured keys there are no callers, and each submission takes its own turn.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request


def caller_of(request: Request, api_keys: frozenset[str]) -> str | None:
    if not api_keys:
        return None
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    candidates = (
        token.strip() if scheme.lower() == "bearer" else None,
        request.headers.get("x-api-key"),
        request.query_params.get("api_key"),
    )
    for candidate in candidates:
        if not candidate:
            continue
        matched = None
        for key in api_keys:  # constant time per key, as auth.py compares
            if hmac.compare_digest(candidate.encode(), key.encode()):
                matched = key
        if matched is not None:
            return hashlib.sha256(matched.encode()).hexdigest()[:16]
    return None
