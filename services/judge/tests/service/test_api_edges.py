"""API-only processes with other settings: API keys, body and queue bounds, Redis down at start.

These need no worker (nothing is judged), so each runs just `xcoder-judge api` on its own port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from xcoder_judge.service.queue import keys
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


def test_redis_answering_with_error_replies_is_a_clean_503_never_a_500(cluster, redis_url):
    """Redis is up but refuses our commands (here WRONGTYPE: the workers set is a string)."""
    sync = redis.Redis.from_url(redis_url)
    sync.set(keys.workers_key(), "not a set")
    api = start_api(cluster, redis_url)
    ready = api.get("/readyz")
    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["status"] == "unavailable" and body["redis"] is False and "WRONGTYPE" in body["detail"]
    submitted = api.post("/v1/submissions", params={"wait": 0}, json=SUB)  # reads the workers too
    assert submitted.status_code == 503 and "ResponseError" in submitted.json()["detail"]
    assert "Traceback" not in submitted.text
    sync.close()


def test_keys_can_travel_in_the_url_and_compat_routes_can_be_left_open(cluster, live_judge):
    api = start_api(cluster, live_judge.redis_url, api_keys="k1", compat_open="true")
    # Basic auth is what `http://:k1@host` (or `http://k1@host`) URLs make requests and httpx send.
    assert api.post("/v1/submissions", json=SUB, auth=("", "k1")).status_code == 200
    assert api.post("/v1/submissions", json=SUB, auth=("k1", "")).status_code == 200
    denied = api.post("/v1/submissions", json=SUB, auth=("", "k2"))
    assert denied.status_code == 401 and "?api_key=" in denied.json()["detail"]
    # The native API keeps its keys; the compat routes answer without one.
    assert api.get("/v1/languages").status_code == 401
    run = api.post("/run_code", json={"code": "print(1)", "language": "python"})
    assert run.status_code == 200 and run.json()["run_result"]["stdout"] == "1\n"
    judged = api.post("/judge", json={"type": "python", "solution": "print(1)", "expected_output": "1"})
    assert judged.status_code == 200 and judged.json()["success"] is True


def test_compat_callers_wait_out_a_full_queue_then_get_the_status_they_retry(cluster, redis_url):
    # No worker: nothing is ever judged, so the queue stays as the test fills it.
    api = start_api(cluster, redis_url, max_queue=2, compat_wait_s=1)
    assert api.post("/v1/submissions", params={"wait": 0}, json=SUB).status_code == 202
    run_code = {"code": "print(2)", "language": "python", "run_timeout": 3}
    waited = api.post("/run_code", json=run_code)
    # Admitted (the queue had room for one), but no verdict within the wait: 504, which verl's
    # sandbox_fusion caller retries (it reads 429 or a SandboxError as a failed test).
    assert waited.status_code == 504 and waited.headers["retry-after"] == "1"
    assert "no verdict within 1 s" in waited.json()["detail"]
    assert waited.elapsed.total_seconds() >= 0.9
    # The retry finds the job it queued (its id comes from its content): nothing new is queued,
    # so the full queue does not refuse it.
    again = api.post("/run_code", json=run_code)
    assert again.status_code == 504 and "no verdict" in again.json()["detail"]
    assert api.get("/status").json()["queue"] == 2
    full = api.post("/run_code", json={**run_code, "stdin": "other"})
    assert full.status_code == 504 and "no room in the judge's queue" in full.json()["detail"]
    assert full.elapsed.total_seconds() >= 0.9
    # code-judge: the batch waits too, then answers `queue_timeout` per item (its callers retry
    # those), never a 429.
    batch = api.post(
        "/judge/long-batch", json={"submissions": [{"type": "python", "solution": "print(1)"}] * 2}
    )
    assert batch.status_code == 200, batch.text
    assert [r["reason"] for r in batch.json()["results"]] == ["queue_timeout"] * 2
    assert batch.elapsed.total_seconds() >= 0.9
    # The native API still answers a full queue at once with 429 (our clients retry it).
    assert api.post("/v1/submissions", params={"wait": 0}, json=SUB).status_code == 429
