"""Fixtures of the judge service tests: a Redis database of their own, flushed around each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from xcoder_judge.testing import RedisTarget, claim_redis


@pytest.fixture(scope="session")
def service_redis(judge_session_root: Path) -> Iterator[RedisTarget]:
    target = claim_redis(judge_session_root / "service-redis")
    yield target
    target.release()


@pytest.fixture
def redis_url(service_redis: RedisTarget) -> Iterator[str]:
    """A flushed database for one test."""
    service_redis.flush()
    yield service_redis.url
    service_redis.flush()


@pytest.fixture
def sync_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
