"""The compat fast path (api/fast_path.py): which requests it serves, and that they read as FastAPI's.

Each app runs in this process (Starlette's TestClient, the lifespan included) against a Redis
of its own and no worker: every case here is answered without a run (refused, or a blank
program code-judge answers unjudged). An app with `fast_path = None` is the plain FastAPI app
of before, the reference the fast path's answers are compared with byte for byte.
"""

from __future__ import annotations

import asyncio
import base64
import email.message
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, Depends, Query
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from xcoder_judge.config import Settings
from xcoder_judge.service.api.app import create_app
from xcoder_judge.service.api.auth import SUBMIT, access
from xcoder_judge.service.api.deps import JudgingDep, SettingsDep
from xcoder_judge.service.api.fast_path import is_json, operation_of
from xcoder_judge.service.compat import sandbox_fusion as sf

SUBMIT_KEY, READ_KEY = "fast-submit-key", "fast-read-key"
KEYS = f"team-a:submit:{SUBMIT_KEY}, team-a:read:{READ_KEY}"
JSON = {"Content-Type": "application/json"}
BLANK = b'{"sub_id": "s1", "type": "python", "solution": "   "}'  # answered unjudged: no worker needed


class Recorder:
    """Wraps FastAPI's middleware stack: the paths of the requests that reached it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.paths = inner, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(f"{scope['method']} {scope['path']}")
        await self.inner(scope, receive, send)


def _client(redis_url: str, *, fast: bool, **settings: Any) -> Iterator[tuple[TestClient, Recorder]]:
    app = create_app(Settings(redis_url=redis_url, **settings))
    if not fast:
        app.fast_path = None
    with TestClient(app) as client:
        client.get("/healthz")  # builds FastAPI's middleware stack
        recorder = Recorder(app.middleware_stack)
        app.middleware_stack = recorder
        yield client, recorder


@pytest.fixture
def open_app(redis_url: str) -> Iterator[tuple[TestClient, Recorder]]:
    yield from _client(redis_url, fast=True)


@pytest.fixture
def keyed(redis_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """The same keyed, small-bodied deployment with and without the fast path."""
    settings = {"api_keys": KEYS, "max_body_mb": 0.01}
    fast = _client(redis_url, fast=True, **settings)
    slow = _client(redis_url, fast=False, **settings)
    (f, _), (s, _) = next(fast), next(slow)
    yield f, s
    for gen in (fast, slow):
        gen.close()


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_fast_path_serves_the_per_test_compat_posts_and_nothing_else(open_app):
    """Fails without the fast path: then every request reaches FastAPI's middleware stack."""
    client, recorder = open_app
    assert client.post("/judge", content=BLANK, headers=JSON).json()["success"] is True
    assert client.post("/run", content=BLANK, headers=JSON).status_code == 200
    unknown = client.post("/run_code", json={"code": "print(1)", "language": "cobol"})
    assert unknown.status_code == 400 and unknown.json()["detail"][0]["loc"] == ["body", "language"]
    assert recorder.paths == []
    # Other methods, paths and bodies go to FastAPI (a 405, a redirect, a batch, a 422).
    assert client.get("/run_code").status_code == 405
    client.post("/judge/", content=BLANK, headers=JSON, follow_redirects=False)
    client.post("/judge/long-batch", json={"submissions": [{"type": "python", "solution": " "}]})
    client.post("/run_code", content=b'{"code": 1}', headers=JSON)
    assert recorder.paths == ["GET /run_code", "POST /judge/", "POST /judge/long-batch", "POST /run_code"]


def test_it_steps_aside_when_fastapis_own_telemetry_is_on(open_app, monkeypatch):
    """FastAPI's spans and meters must see every request where they are on. The switch the fast
    path reads is FastAPI's private `_native_telemetry`: this fails if an upgrade renames it."""
    client, recorder = open_app
    telemetry = client.app._native_telemetry  # type: ignore[attr-defined]
    assert callable(telemetry.enabled) and telemetry.enabled() is False
    monkeypatch.setattr(telemetry, "enabled", lambda: True)
    client.post("/judge", content=BLANK, headers=JSON)
    assert recorder.paths == ["POST /judge"]


def test_requests_it_serves_are_timed_under_their_route_template(open_app):
    client, _ = open_app
    labels = {"method": "POST", "route": "/run_code", "status": "400"}
    before = _sample("xcoder_judge_http_request_duration_seconds_count", labels)
    client.post("/run_code", json={"code": "print(1)", "language": "cobol"})
    assert _sample("xcoder_judge_http_request_duration_seconds_count", labels) == before + 1


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f":{key}".encode()).decode()}


RUN = b'{"code": "print(1)", "language": "cobol"}'
CASES: list[tuple[str, str, dict[str, str], bytes, dict[str, str]]] = [
    # (why, path, headers, body, query)
    ("no key", "/run_code", JSON, RUN, {}),
    ("a wrong key", "/judge", {**JSON, "X-API-Key": "nope"}, BLANK, {}),
    ("a key without submit", "/run", {**JSON, "Authorization": f"Bearer {READ_KEY}"}, BLANK, {}),
    ("a key in the URL", "/run_code", JSON, RUN, {"api_key": SUBMIT_KEY}),
    ("a key as Basic password", "/judge", {**JSON, **_basic(SUBMIT_KEY)}, BLANK, {}),
    (
        "a refused field",
        "/run_code",
        {**JSON, "X-API-Key": SUBMIT_KEY},
        b'{"code": "1", "files": {"a": "b"}}',
        {},
    ),
    ("out of range", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"code": "1", "run_timeout": -1}', {}),
    ("a missing field", "/judge", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"type": "python"}', {}),
    ("not UTF-8", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"code": "\xff"}', {}),
    ("NaN", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"code": "1", "run_timeout": NaN}', {}),
    (
        "a surrogate",
        "/judge",
        {**JSON, "X-API-Key": SUBMIT_KEY},
        b'{"type": "python", "solution": "\\ud800"}',
        {},
    ),
    ("broken JSON", "/judge", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"type": ', {}),
    ("an empty body", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b"", {}),
    ("null", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b"null", {}),
    ("a list", "/judge", {**JSON, "X-API-Key": SUBMIT_KEY}, b"[]", {}),
    ("plain text", "/judge", {"Content-Type": "text/plain", "X-API-Key": SUBMIT_KEY}, BLANK, {}),
    ("no content type", "/judge", {"X-API-Key": SUBMIT_KEY}, BLANK, {}),
    ("too large", "/run_code", {**JSON, "X-API-Key": SUBMIT_KEY}, b'{"code": "' + b"x" * 20_000 + b'"}', {}),
    ("too large, no key", "/run_code", JSON, b'{"code": "' + b"x" * 20_000 + b'"}', {}),
]


@pytest.mark.parametrize(("why", "path", "headers", "body", "query"), CASES, ids=[c[0] for c in CASES])
def test_its_answers_are_fastapis_byte_for_byte(keyed, why, path, headers, body, query):
    fast, slow = keyed
    ours = fast.post(path, content=body, headers=headers, params=query)
    theirs = slow.post(path, content=body, headers=headers, params=query)
    assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), why
    assert ours.headers.items() == theirs.headers.items(), why


def test_a_streamed_body_is_replayed_whole_to_fastapi_when_it_outgrows_the_limit(keyed):
    """No Content-Length: the limit is found while reading, after messages were taken; FastAPI
    then gets them back and answers its 413 (and a small streamed body is served as any other)."""
    fast, slow = keyed
    key = {**JSON, "X-API-Key": SUBMIT_KEY}

    def chunks(n: int) -> Iterator[bytes]:
        yield b'{"code": "print(1)", "language": "cobol", "stdin": "'
        yield from (b"x" * 1000 for _ in range(n))
        yield b'"}'

    for n in (1, 30):
        ours, theirs = (
            fast.post("/run_code", content=chunks(n), headers=key),
            slow.post("/run_code", content=chunks(n), headers=key),
        )
        assert ours.status_code == theirs.status_code == (400 if n == 1 else 413)
        assert ours.content == theirs.content


def test_fastapi_gets_every_body_message_in_order_when_the_path_steps_aside_mid_body():
    """Fails if the fast path dropped or reordered what it had read before handing over."""
    app = create_app(Settings(max_body_mb=0.001))  # 1048 bytes; no lifespan needed to step aside
    parts = [b'{"code": "' + b"x" * 600, b"y" * 600, b'"}']
    sent = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    scope = {"type": "http", "method": "POST", "path": "/run_code", "root_path": "", "query_string": b""}
    scope["headers"] = [(b"content-type", b"application/json")]
    given = iter(sent)
    seen: list[dict] = []

    async def receive() -> dict:
        return next(given)

    async def fallback(_scope: Any, replayed: Any, _send: Any) -> None:
        while not seen or seen[-1].get("more_body"):
            seen.append(await replayed())

    async def drive() -> None:
        op = app.fast_path.operation_for(scope)
        assert op is not None
        await app.fast_path.serve(op, scope, receive, None, fallback)

    asyncio.run(drive())
    assert seen == sent


def test_a_refusal_is_counted_once(keyed):
    fast, _ = keyed
    before = _sample("xcoder_judge_auth_denied_total", {"status": "401"})
    assert fast.post("/run_code", content=RUN, headers={**JSON, "X-API-Key": "nope"}).status_code == 401
    assert _sample("xcoder_judge_auth_denied_total", {"status": "401"}) == before + 1


@pytest.mark.parametrize(
    "value",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        " application/json ;x=1",
        "application/jsonx",
        "application/ld+json",
        "text/json",
        "application/json/x",
        "application",
    ],
)
def test_it_takes_only_bodies_fastapi_reads_as_json(value):
    message = email.message.Message()
    message["content-type"] = value
    fastapi_reads = message.get_content_maintype() == "application" and (
        message.get_content_subtype() == "json" or message.get_content_subtype().endswith("+json")
    )
    assert not is_json(value.encode()) or fastapi_reads


def test_a_route_that_needs_more_than_it_provides_is_refused_when_the_app_is_built():
    router = APIRouter(dependencies=[Depends(access(SUBMIT, compat=True))])

    @router.post("/run_code")
    async def run_code(
        request: sf.RunCodeRequest, judging: JudgingDep, settings: SettingsDep, n: int = Query(1)
    ):
        raise AssertionError

    with pytest.raises(RuntimeError, match="cannot serve"):
        operation_of(router.routes[0])  # type: ignore[arg-type]
