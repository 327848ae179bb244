"""Stable content ids: every artifact is keyed by a hash of what defines it.

Ids must not change between runs, machines or Python versions, so they hash a canonical JSON
form (sorted keys, no whitespace, UTF-8) rather than Python's ``hash``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

ID_HEX_CHARS = 16


def canonical_json(value: Any) -> str:
    """One serialisation per value: sorted keys, compact separators, non-ASCII kept."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    """Full sha256 hex digest of a value's canonical JSON (strings are hashed as JSON strings)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def stable_id(*parts: Any, length: int = ID_HEX_CHARS) -> str:
    """A short id for an artifact defined by ``parts`` (e.g. parent id, stage, index)."""
    return digest(list(parts))[:length]


def shard_of(item_id: str, n_shards: int) -> int:
    """Which shard owns an item; stable for a given id and shard count."""
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, got {n_shards}")
    return int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:8], 16) % n_shards
