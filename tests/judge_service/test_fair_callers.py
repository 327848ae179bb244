"""Per-caller fairness with real processes: one API key's flood does not starve another key.

Caller A sends four large submissions; once they run, caller B sends one of the same size. With
API keys configured, A and B take turns on the slots, so B's finishes while all of A's still run.
Without keys there are no callers: every submission takes its own turn, and A's four, which
started first, are (all but perhaps the last) done before B's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xcoder_judge.testing import JudgeCluster, RedisTarget, claim_redis

pytestmark = pytest.mark.slow

DOUBLE = "print(int(input()) * 2)\n"
N = 300


def body(seed: int) -> dict:
    tests = [{"input": f"{seed + i}\n", "expected": f"{2 * (seed + i)}\n"} for i in range(N)]
    return {"language": "python3", "source": DOUBLE, "tests": tests, "priority": "bulk"}


@pytest.fixture
def redis_db(judge_session_root: Path) -> Iterator[RedisTarget]:
    target = claim_redis(judge_session_root / "callers-redis")
    yield target
    target.release()


@pytest.mark.parametrize("with_keys", [True, False], ids=["api-keys", "no-keys"])
def test_one_callers_flood_does_not_starve_another(judge_session_root, redis_db, with_keys, request):
    settings = {"languages": "python3", "chunk_tests": 0, "job_threads": 8}
    if with_keys:
        settings["api_keys"] = "key-a,key-b"
    cluster = JudgeCluster(
        redis_url=redis_db.url, root=judge_session_root / f"callers-{with_keys}", base_settings=settings
    )
    try:
        cluster.start_worker("w", slots=2)
        url = cluster.start_api()
        cluster.wait_ready()
        a = httpx.Client(base_url=url, timeout=300, headers={"X-API-Key": "key-a"})
        b = httpx.Client(base_url=url, timeout=300, headers={"Authorization": "Bearer key-b"})
        warm = a.post("/v1/submissions", params={"wait": 120}, json=body(0) | {"tests": body(0)["tests"][:2]})
        assert warm.json()["result"]["verdict"] == "AC"  # compiled: the timed ones queue batches at once
        ids = [
            a.post("/v1/submissions", params={"wait": 0}, json=body(1000 * (i + 1))).json()["id"]
            for i in range(4)
        ]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = a.post("/v1/submissions/lookup", json={"ids": ids, "wait": 0})
            if all(item["status"] == "running" for item in r.json()["items"]):
                break
            time.sleep(0.05)
        else:
            pytest.fail("A's submissions did not all start")
        time.sleep(0.3)
        done_b = b.post("/v1/submissions", params={"wait": 240}, json=body(9000))
        assert done_b.status_code == 200 and done_b.json()["result"]["verdict"] == "AC"
        states = [
            item["status"]
            for item in a.post("/v1/submissions/lookup", json={"ids": ids, "wait": 0}).json()["items"]
        ]
        results = a.post("/v1/submissions/lookup", json={"ids": ids, "wait": 240}).json()["items"]
        assert [item["result"]["verdict"] for item in results] == ["AC"] * 4
        if with_keys:
            assert states.count("done") == 0, f"B waited for A's flood: {states}"
        else:
            # Each submission has its own turn: A's, which started first, end first (the last of
            # them may still be on its final batch when B's ends).
            assert states.count("done") >= 3, f"without callers each submission has its turn: {states}"
    finally:
        cluster.stop(kill=True)
