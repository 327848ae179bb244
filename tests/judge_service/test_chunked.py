"""Chunked submissions with real processes: the API splits a large submission into chunks that any
worker runs; the merged result is whole, in order, and the same as judging it in one piece,
through early stop, idempotent resubmission and a worker SIGKILLed mid-chunk."""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import job_id_for
from xcoder_judge.service.queue.jobspec import chunk_job_id
from xcoder_judge.testing import JudgeCluster, RedisTarget, claim_redis

pytestmark = pytest.mark.slow

DOUBLE = "print(int(input()) * 2)\n"
SLOW_DOUBLE = "import time\ntime.sleep(0.3)\nprint(int(input()) * 2)\n"
CHUNK = 20
SETTINGS = {
    "lease_s": 2,
    "job_retries": 2,
    "languages": "python3",
    "chunk_tests": CHUNK,
    "chunks_in_flight": 2,
}


def numbered_tests(n: int, wrong: set[int] = frozenset()) -> list[dict]:
    return [
        {"id": f"t{i}", "input": f"{i}\n", "expected": f"{2 * i + (1 if i in wrong else 0)}\n"}
        for i in range(n)
    ]


@pytest.fixture
def redis_db(judge_session_root: Path) -> Iterator[RedisTarget]:
    target = claim_redis(judge_session_root / "chunked-redis")
    yield target
    target.release()


@pytest.fixture
def cluster(judge_session_root: Path, redis_db: RedisTarget, request) -> Iterator[JudgeCluster]:
    c = JudgeCluster(
        redis_url=redis_db.url,
        root=judge_session_root / f"chunked-{request.node.name[:40]}",
        base_settings=dict(SETTINGS),
    )
    yield c
    c.stop(kill=True)


def start(cluster: JudgeCluster, workers: int = 2) -> tuple[httpx.Client, list]:
    procs = [cluster.start_worker(f"w{i}", slots=1) for i in range(workers)]
    api = httpx.Client(base_url=cluster.start_api(), timeout=300)
    cluster.wait_ready(workers=workers)
    return api, procs


def chunk_workers(sync: redis.Redis, sid: str, count: int) -> set[str]:
    parent = job_id_for(sid)
    names = set()
    for k in range(count):
        name = sync.hget(keys.job_key(chunk_job_id(parent, k)), "worker_name")
        if name:
            names.add(name.decode().rsplit(".", 1)[0])
    return names


def test_a_large_submission_is_split_and_merged_in_order_across_workers(cluster, redis_db):
    api, _ = start(cluster)
    n = 5 * CHUNK + 7  # six chunks, the last one short
    body = {
        "id": "big.1",
        "language": "python3",
        "source": f"# {uuid.uuid4().hex}: not in any compile cache yet\n{DOUBLE}",
        "tests": numbered_tests(n, wrong={33, 90}),
    }
    r = api.post("/v1/submissions", params={"wait": 240}, json=body)
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert result["id"] == "big.1" and result["total"] == n and result["passed"] == n - 2
    assert result["verdict"] == "WA" and result["score"] == pytest.approx((n - 2) / n)
    assert [t["index"] for t in result["tests"]] == list(range(n))
    assert [t["id"] for t in result["tests"]] == [f"t{i}" for i in range(n)]
    assert [i for i, t in enumerate(result["tests"]) if t["verdict"] != "AC"] == [33, 90]
    assert result["compile"] is not None and result["language"] == "python3"
    sync = redis.Redis.from_url(redis_db.url)
    assert len(chunk_workers(sync, "big.1", 6)) == 2  # the chunks ran on both workers
    # Compiled once per worker, not once per chunk (the merged result shows the first chunk's).
    parts = [json.loads(v) for v in sync.hgetall(keys.chunk_results_key(job_id_for("big.1"))).values()]
    assert len(parts) == 6 and sum(not p["compile"]["cached"] for p in parts) <= 2
    # A small submission stays one job.
    small = api.post(
        "/v1/submissions", params={"wait": 60}, json={**body, "id": "small", "tests": numbered_tests(3)}
    )
    assert small.json()["result"]["verdict"] == "AC"
    assert not sync.exists(keys.job_key(chunk_job_id(job_id_for("small"), 0)))
    # Idempotent: the same submission again is the same job and result; another one is a conflict.
    again = api.post("/v1/submissions", params={"wait": 5}, json=body)
    assert again.status_code == 200 and again.json()["result"] == result
    other = api.post("/v1/submissions", params={"wait": 0}, json={**body, "source": "print(0)\n"})
    assert other.status_code == 409
    sync.close()


def test_early_stop_skips_every_test_after_the_first_failure_across_chunks(cluster):
    api, _ = start(cluster)
    n = 6 * CHUNK
    body = {
        "language": "python3",
        "source": DOUBLE,
        "tests": numbered_tests(n, wrong={47, 100}),
        "stop_on_first_failure": True,
    }
    result = api.post("/v1/submissions", params={"wait": 240}, json=body).json()["result"]
    verdicts = [t["verdict"] for t in result["tests"]]
    assert result["verdict"] == "WA" and result["passed"] == 47
    assert verdicts[:47] == ["AC"] * 47 and verdicts[47] == "WA"
    assert set(verdicts[48:]) == {"SK"}


def test_a_compile_error_is_one_ce_for_the_whole_submission(cluster):
    api, _ = start(cluster, workers=1)
    body = {"language": "python3", "source": "def (:\n", "tests": numbered_tests(3 * CHUNK)}
    result = api.post("/v1/submissions", params={"wait": 240}, json=body).json()["result"]
    assert result["verdict"] == "CE" and result["passed"] == 0 and result["total"] == 3 * CHUNK
    assert {t["verdict"] for t in result["tests"]} == {"SK"}
    assert result["compile"]["ok"] is False


def test_a_worker_killed_mid_chunk_loses_nothing(cluster, redis_db):
    api, (victim, _) = start(cluster)
    n = 4 * CHUNK
    body = {"id": "slow.big", "language": "python3", "source": SLOW_DOUBLE, "tests": numbered_tests(n)}
    body["limits"] = {"time_s": 2, "wall_s": 10}
    assert api.post("/v1/submissions", params={"wait": 0}, json=body).status_code == 202
    sync = redis.Redis.from_url(redis_db.url)
    parent = job_id_for("slow.big")
    deadline = time.monotonic() + 120
    doomed = None
    while doomed is None and time.monotonic() < deadline:
        for k in range(4):
            status, worker = sync.hmget(keys.job_key(chunk_job_id(parent, k)), "status", "worker_name")
            if status == b"started" and worker and worker.decode().startswith("w0-"):
                doomed = k
                break
        time.sleep(0.05)
    assert doomed is not None, "no chunk started on the victim"
    cluster.stop_process(victim, sig=signal.SIGKILL)
    r = api.get("/v1/submissions/slow.big", params={"wait": 240})
    result = r.json()["result"]
    assert result["verdict"] == "AC" and result["passed"] == n  # whole and correct
    assert [t["index"] for t in result["tests"]] == list(range(n))
    assert result["attempts"] == 2  # the killed chunk ran again, once
    sync.close()
