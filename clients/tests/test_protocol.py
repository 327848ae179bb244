"""The sans-I/O protocol in xcoder_client._base, driven step by step (no clock, no network)."""

from __future__ import annotations

import time
from email.utils import formatdate

import httpx
import pytest
from xcoder_client._base import BaseJudgeClient, Send, Sleep
from xcoder_client.errors import JudgeOverloaded, JudgeTimeout
from xcoder_client.settings import ClientSettings

SETTINGS = ClientSettings(judge_url="http://judge.invalid", backoff_s=0.5, max_backoff_s=4.0)


def _exchange(client: BaseJudgeClient, deadline_s: float = 1000.0):
    request = httpx.Request("GET", "http://judge.invalid/v1/status")
    return client._exchange(lambda: request, time.monotonic() + deadline_s, "GET /v1/status")


def _reply(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, headers=headers, json={}, request=httpx.Request("GET", "http://judge.invalid/")
    )


def test_retry_after_seconds_is_honoured():
    protocol = _exchange(BaseJudgeClient(settings=SETTINGS, max_retries=3))
    assert isinstance(next(protocol), Send)
    sleep = protocol.send(_reply(429, **{"Retry-After": "7"}))
    assert isinstance(sleep, Sleep) and sleep.seconds >= 7.0
    assert isinstance(protocol.send(None), Send)
    with pytest.raises(StopIteration) as done:
        protocol.send(_reply(200))
    assert done.value.value.status_code == 200


def test_retry_after_http_date_is_honoured():
    protocol = _exchange(BaseJudgeClient(settings=SETTINGS, max_retries=3))
    next(protocol)
    when = formatdate(time.time() + 30, usegmt=True)
    sleep = protocol.send(_reply(503, **{"Retry-After": when}))
    assert isinstance(sleep, Sleep) and 25.0 <= sleep.seconds <= 31.0


def test_backoff_grows_and_is_capped():
    client = BaseJudgeClient(settings=SETTINGS, max_retries=10)
    protocol = _exchange(client)
    next(protocol)
    sleeps = []
    for _ in range(8):
        sleeps.append(protocol.send(_reply(502)).seconds)
        protocol.send(None)
    assert sleeps[0] <= 0.5 and max(sleeps) <= 4.0
    assert sleeps[-1] >= 2.0  # jitter keeps at least half the capped delay


def test_retries_stop_at_max_retries():
    protocol = _exchange(BaseJudgeClient(settings=SETTINGS, max_retries=2))
    next(protocol)
    protocol.send(_reply(429))
    protocol.send(None)
    protocol.send(_reply(429))
    protocol.send(None)
    with pytest.raises(JudgeOverloaded) as err:
        protocol.send(_reply(429))
    assert err.value.attempts == 3


def test_a_retry_that_would_pass_the_deadline_is_not_attempted():
    protocol = _exchange(BaseJudgeClient(settings=SETTINGS, max_retries=5), deadline_s=5.0)
    next(protocol)
    with pytest.raises(JudgeTimeout, match="deadline"):
        protocol.send(_reply(429, **{"Retry-After": "60"}))
