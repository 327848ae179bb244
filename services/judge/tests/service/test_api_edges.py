"""API-only processes with other settings: API keys, body and queue bounds, Redis down at start.

These need no worker (nothing is judged), so each runs just `xcoder-judge api` on its own port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xcoder_judge.testing import JudgeCluster, free_port

SUB = {"language": "python3", "source": "print(1)", "tests": [{"input": "", "expected": "1"}]}


@pytest.fixture
def cluster(judge_session_root: Path, request) -> Iterator[JudgeCluster]:
    c = JudgeCluster(redis_url="", root=judge_session_root / f"edges-{request.node.name[:40]}")
    yield c
    c.stop()


def start_api(cluster: JudgeCluster, redis_url: str, **settings) -> httpx.Client:
    cluster.redis_url = redis_url
    url = cluster.start_api(**settings)
    client = httpx.Client(base_url=url, timeout=30)
    for _ in range(200):
        try:
            client.get("/healthz")
            break
        except httpx.TransportError:
            import time

            time.sleep(0.05)
    return client


def test_api_keys_guard_every_judging_route_but_not_health(cluster, live_judge):
    api = start_api(cluster, live_judge.redis_url, api_keys="k1, k2")
    assert api.post("/v1/submissions", json=SUB).status_code == 401
    denied = api.post("/v1/submissions", json=SUB, headers={"Authorization": "Bearer nope"})
    assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
    assert api.post("/v1/submissions", json=SUB, headers={"Authorization": "Bearer k1"}).status_code == 200
    assert api.post("/v1/submissions", json=SUB, headers={"X-API-Key": "k2"}).status_code == 200
    assert api.get("/v1/languages", params={"api_key": "k1"}).status_code == 200
    for path in ("/v1/languages", "/v1/status", "/v1/capabilities", "/status"):
        assert api.get(path).status_code == 401, path
    run_code = {"code": "print(1)", "language": "python"}
    assert api.post("/run_code", json=run_code).status_code == 401
    assert api.post("/judge", json={"type": "python", "solution": "print(1)"}).status_code == 401
    for path in ("/healthz", "/readyz", "/metrics", "/ping", "/v1/ping"):
        assert api.get(path).status_code == 200, path


def test_bounds_on_queue_and_body_without_a_worker(cluster, redis_url):
    api = start_api(cluster, redis_url, max_queue=2, max_body_mb=0.05)
    ready = api.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "no live worker"
    # Without workers submissions are still queued (validated against the known languages).
    for _ in range(2):
        r = api.post("/v1/submissions", params={"wait": 0}, json=SUB)
        assert r.status_code == 202 and r.json()["status"] == "queued"
    full = api.post("/v1/submissions", params={"wait": 0}, json=SUB)
    assert full.status_code == 429 and int(full.headers["retry-after"]) >= 1
    assert "queue is full" in full.json()["detail"]
    too_many = api.post("/v1/submissions/batch", params={"wait": 0}, json={"submissions": [SUB] * 3})
    assert too_many.status_code == 413 and too_many.json()["detail"][0]["loc"] == ["body", "submissions"]
    big = {**SUB, "source": "print(1)#" + "x" * 60_000}
    assert api.post("/v1/submissions", params={"wait": 0}, json=big).status_code == 413
    unknown = api.post("/v1/submissions", params={"wait": 0}, json={**SUB, "language": "cobol"})
    assert unknown.status_code == 400 and "known languages are" in unknown.json()["detail"][0]["msg"]
    assert api.get("/v1/languages").json() == []  # offered means offered by a live worker


def test_redis_down_is_a_quick_503_never_a_500(cluster):
    api = start_api(cluster, f"redis://127.0.0.1:{free_port()}/0")
    r = api.post("/v1/submissions", json=SUB)
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert "Redis" in r.json()["detail"]
    for method, path, body in (
        ("GET", "/v1/submissions/abc", None),
        ("GET", "/v1/status", None),
        ("POST", "/run_code", {"code": "print(1)", "language": "python"}),
        ("POST", "/judge/long-batch", {"submissions": [{"type": "python", "solution": "print(1)"}]}),
    ):
        assert api.request(method, path, json=body).status_code == 503, path
    ready = api.get("/readyz")
    assert ready.status_code == 503 and ready.json()["redis"] is False
    assert api.get("/healthz").status_code == 200
    metrics = api.get("/metrics")
    assert metrics.status_code == 200 and "xcoder_judge_redis_up 0.0" in metrics.text
