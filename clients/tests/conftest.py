"""Fixtures for the client tests, which need only xcoder-wire and xcoder-client (tests against a
live judge are in tests/clients/)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from xcoder_client import AsyncJudgeClient, JudgeClient
from xcoder_client.settings import ClientSettings, get_settings

MOCK_URL = "http://judge.invalid"


@pytest.fixture(autouse=True)
def _clean_client_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit a developer's XCODER_CLIENT_* settings."""
    import os

    for name in list(os.environ):
        if name.startswith("XCODER_CLIENT_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def fast_settings(monkeypatch: pytest.MonkeyPatch) -> ClientSettings:
    """No backoff sleeps and no poll pacing: unit tests run at the speed of the logic."""
    monkeypatch.setattr("xcoder_client._base.MIN_POLL_INTERVAL_S", 0.0)
    return ClientSettings(judge_url=MOCK_URL, backoff_s=0.0, max_backoff_s=0.0, wait_s=5.0)


JudgeCall = Callable[..., list[Any]]


@pytest.fixture(params=["sync", "async"])
def judge_call(request: pytest.FixtureRequest, fast_settings: ClientSettings) -> JudgeCall:
    """`judge_call(transport, submissions, client_options={...}, **judge_options)` through either twin."""

    def call(transport: Any, submissions: list[Any], client_options: dict[str, Any] | None = None, **kw: Any):
        opts = {"settings": fast_settings, **(client_options or {})}
        if request.param == "sync":
            with JudgeClient(transport=transport, **opts) as client:
                return client.judge(submissions, **kw)

        async def run() -> list[Any]:
            async with AsyncJudgeClient(transport=transport, **opts) as client:
                return await client.judge(submissions, **kw)

        return asyncio.run(run())

    call.kind = request.param  # type: ignore[attr-defined]
    return call
