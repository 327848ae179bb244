"""Faults with real processes: a worker SIGKILLed mid-job, a worker drained by SIGTERM, Redis
restarted under load, and 160 requests at once. Every accepted submission gets its verdict."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from xcoder_judge.service.embedded_redis import EmbeddedRedis
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import job_id_for
from xcoder_judge.testing import JudgeCluster, RedisTarget, claim_redis, free_port

pytestmark = pytest.mark.slow

# A program that takes a while (wall time, not CPU) and then answers right.
SLOW_DOUBLE = "import time\ntime.sleep({delay})\nprint(int(input()) * 2)\n"
FAST = {"lease_s": 2, "job_retries": 2, "languages": "python3"}


def slow_submission(i: int, delay: float = 0.6, tests: int = 2) -> dict:
    return {
        "language": "python3",
        "source": SLOW_DOUBLE.format(delay=delay),
        "tests": [{"input": f"{i + k}\n", "expected": str(2 * (i + k))} for k in range(tests)],
        "limits": {"time_s": 2, "wall_s": 10},
    }


@pytest.fixture
def redis_db(judge_session_root: Path) -> Iterator[RedisTarget]:
    target = claim_redis(judge_session_root / "faults-redis")
    yield target
    target.release()


@pytest.fixture
def cluster(judge_session_root: Path, request) -> Iterator[JudgeCluster]:
    c = JudgeCluster(
        redis_url="", root=judge_session_root / f"faults-{request.node.name[:40]}", base_settings=dict(FAST)
    )
    yield c
    c.stop(kill=True)


def enqueue_all(api: httpx.Client, subs: list[dict]) -> list[str]:
    ids = []
    for sub in subs:
        r = api.post("/v1/submissions", params={"wait": 0}, json=sub)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    return ids


def collect(api: httpx.Client, ids: list[str], wait: float = 120) -> list[dict]:
    r = api.post("/v1/submissions/lookup", json={"ids": ids, "wait": wait})
    assert r.status_code == 200, r.text
    return [item["result"] for item in r.json()["items"]]


def running_on(sync: redis.Redis, ids: list[str], worker_prefix: str) -> list[str]:
    found = []
    for sid in ids:
        status, worker = sync.hmget(keys.job_key(job_id_for(sid)), "status", "worker_name")
        if status == b"started" and worker and worker.decode().startswith(worker_prefix):
            found.append(sid)
    return found


def wait_for(predicate, timeout_s: float = 60.0, every_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError("condition not reached in time")


def test_a_worker_killed_mid_job_loses_nothing(cluster, redis_db):
    cluster.redis_url = redis_db.url
    victim = cluster.start_worker("victim", slots=2)
    cluster.start_worker("survivor", slots=2)
    api = httpx.Client(base_url=cluster.start_api(), timeout=180)
    cluster.wait_ready(workers=2)
    sync = redis.Redis.from_url(redis_db.url)
    ids = enqueue_all(api, [slow_submission(i) for i in range(16)])
    doomed = wait_for(lambda: running_on(sync, ids, "victim-"))
    cluster.stop_process(victim, sig=signal.SIGKILL)
    results = collect(api, ids)
    assert [r["verdict"] for r in results] == ["AC"] * len(ids)  # none lost, none turned into WA or SE
    by_id = dict(zip(ids, results, strict=True))
    assert all(by_id[sid]["attempts"] == 2 for sid in doomed)  # re-run elsewhere, once
    sync.close()


def test_sigterm_drains_running_submissions_and_leaves_the_rest_queued(cluster, redis_db):
    cluster.redis_url = redis_db.url
    worker = cluster.start_worker("drained", slots=1, job_threads=1)
    api = httpx.Client(base_url=cluster.start_api(), timeout=180)
    cluster.wait_ready()
    sync = redis.Redis.from_url(redis_db.url)
    ids = enqueue_all(api, [slow_submission(i, delay=0.8, tests=1) for i in range(4)])
    running = wait_for(lambda: running_on(sync, ids, "drained-"))
    assert cluster.stop_process(worker, sig=signal.SIGTERM) == 0
    log = cluster.procs[0].log_path.read_text()
    assert "exiting: SIGTERM; drained" in log
    # The job in hand was finished before exiting, on its first attempt; the others still wait.
    finished = api.get(f"/v1/submissions/{running[0]}").json()
    assert finished["status"] == "done" and finished["result"]["verdict"] == "AC"
    assert finished["result"]["attempts"] == 1
    waiting = [sid for sid in ids if sid not in running]
    assert {api.get(f"/v1/submissions/{sid}").json()["status"] for sid in waiting} == {"queued"}
    cluster.start_worker("successor", slots=2)
    assert [r["verdict"] for r in collect(api, ids)] == ["AC"] * len(ids)
    sync.close()


def test_redis_restart_is_503_meanwhile_then_recovers_without_losing_work(cluster, judge_session_root):
    server = EmbeddedRedis(judge_session_root / "restart-redis", port=free_port())
    server.start()
    try:
        cluster.redis_url = server.url
        cluster.start_worker("w", slots=2)
        api = httpx.Client(base_url=cluster.start_api(), timeout=180)
        cluster.wait_ready()
        accepted = enqueue_all(api, [slow_submission(i, delay=0.3) for i in range(10)])
        server.stop()  # SIGTERM: Redis writes its append-only file and exits
        down = api.post("/v1/submissions", params={"wait": 0}, json=slow_submission(99))
        assert down.status_code == 503 and down.headers["retry-after"] == "1"
        assert api.get(f"/v1/submissions/{accepted[0]}").status_code == 503
        assert api.get("/readyz").status_code == 503
        server.start()
        # The same API process recovers by itself.
        after = wait_for(lambda: api.post("/v1/submissions", json=slow_submission(100)), timeout_s=60)
        assert after.status_code == 200 and after.json()["result"]["verdict"] == "AC"
        results = collect(api, accepted)
        assert [r["verdict"] for r in results] == ["AC"] * len(accepted)
    finally:
        server.stop()


def test_160_concurrent_requests_get_their_verdicts_without_internal_errors(live_judge):
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    with httpx.Client(base_url=live_judge.url, timeout=300, limits=limits) as http:
        barrier = threading.Barrier(160)

        def one(i: int) -> tuple[int, bool]:
            barrier.wait()
            if i % 4 == 0:
                body = {
                    "code": f"print({i} * 2)",
                    "language": "python",
                    "stdin": "",
                    "run_timeout": 5,
                    "memory_limit_MB": 256,
                }
                r = http.post("/run_code", json=body)
                return r.status_code, r.status_code == 200 and r.json()["run_result"][
                    "stdout"
                ] == f"{2 * i}\n"
            if i % 4 == 1:
                body = {"type": "python", "solution": f"print({i})", "input": "", "expected_output": str(i)}
                r = http.post("/judge", json=body)
                return r.status_code, r.status_code == 200 and r.json()["success"] and r.json()[
                    "reason"
                ] == ""
            r = http.post("/v1/submissions", json=slow_submission(i, delay=0.0, tests=1))
            return r.status_code, r.status_code == 200 and r.json()["result"]["verdict"] == "AC"

        with ThreadPoolExecutor(160) as pool:
            outcomes = list(pool.map(one, range(160)))
    assert [code for code, _ in outcomes] == [200] * 160
    assert all(ok for _, ok in outcomes)


def test_sigterm_to_the_api_ends_long_polls_at_once(cluster, redis_db):
    """A request waiting for a verdict must not hold a shutting-down API for its whole wait:
    it is answered with the state it has (202, pending) and the process exits promptly."""
    cluster.redis_url = redis_db.url
    api_url = cluster.start_api()  # no worker: the submission stays queued
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    answer: dict = {}

    def long_poll() -> None:
        r = httpx.post(
            f"{api_url}/v1/submissions", params={"wait": 120}, json=slow_submission(1), timeout=150
        )
        answer["status"], answer["body"] = r.status_code, r.json()

    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(1.0)  # the request is now waiting
    api = next(p for p in cluster.procs if p.name == "api").popen
    started = time.monotonic()
    api.send_signal(signal.SIGTERM)
    poller.join(timeout=20)
    assert not poller.is_alive(), "the long poll was not answered after SIGTERM"
    # uvicorn re-raises the signal once it has shut down gracefully
    assert api.wait(timeout=20) in (0, -signal.SIGTERM)
    assert time.monotonic() - started < 10
    assert answer["status"] == 202 and answer["body"]["status"] == "queued"
