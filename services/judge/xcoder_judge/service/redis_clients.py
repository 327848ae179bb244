"""Redis clients with explicit pools and timeouts, so an outage fails fast instead of hanging."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

DEFAULT_URL = "redis://127.0.0.1:6379/0"

# A request fails after one quick reconnect attempt; the API answers 503 and recovers by itself.
_CONNECT_TIMEOUT_S = 1.0


def async_client(url: str, *, max_connections: int, socket_timeout_s: float = 5.0) -> aioredis.Redis:
    """The API's client: one bounded pool; a request waits at most a few seconds for a connection."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=5.0,
        socket_connect_timeout=_CONNECT_TIMEOUT_S,
        socket_timeout=socket_timeout_s,
        health_check_interval=30,
        retry=AsyncRetry(NoBackoff(), 1),
    )
    return aioredis.Redis.from_pool(pool)


def sync_client(url: str, *, max_connections: int, socket_timeout_s: float = 30.0) -> redis.Redis:
    """A worker's client, shared by its job threads (blocking dequeues need a long read timeout)."""
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=30.0,
        socket_connect_timeout=_CONNECT_TIMEOUT_S,
        socket_timeout=socket_timeout_s,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )
    return redis.Redis(connection_pool=pool)
