"""Coalescing over real HTTP, a real worker and real Redis: concurrent one-test compat requests
for one program become one job, and every caller still gets exactly its own answer.

The window is long here (400 ms) so that requests posted together certainly meet in it on a
loaded machine; the default is a few ms. An idle API opens no window (a lone request goes at
once), so the bursts below are posted while another request keeps the API busy (`busy`).
"""

from __future__ import annotations

import contextlib
import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from xcoder_judge.service.compat.sandbox_fusion import RunCodeRequest, to_submission
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import submission_id_for
from xcoder_judge.testing import JudgeCluster, RedisTarget, claim_redis

pytestmark = pytest.mark.slow

WINDOW = {"coalesce_window_ms": 400, "languages": "python3", "lease_s": 2, "job_retries": 2}
ECHO_TWICE = "x = int(input())\nprint(2 * x)\n"
# Input 0 spins until the time limit; input 1 exits 3; others answer.
PICKY = "import sys\nx = int(input())\nif x == 0:\n    while True: pass\nif x == 1:\n    sys.exit(3)\nprint(2 * x)\n"
SLOW = "import time\nx = int(input())\ntime.sleep(1.5)\nprint(2 * x)\n"


def run_code_body(code: str, stdin: str, timeout: float = 10) -> dict:
    """The body verl 0.9.1's sandbox_fusion reward posts, one per test."""
    return {
        "compile_timeout": timeout,
        "run_timeout": timeout,
        "code": code,
        "stdin": stdin,
        "memory_limit_MB": 1024,
        "language": "python",
        "files": {},
        "fetch_files": [],
    }


def job_hashes(sync: redis.Redis) -> list[str]:
    prefix = keys.job_key_prefix()
    return sorted(
        k.decode()[len(prefix) :] for k in sync.scan_iter(match=f"{prefix}*") if b":" not in k[len(prefix) :]
    )


def together(fn, args: list) -> list:
    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        return list(pool.map(fn, args))


# A program no burst below shares: its request keeps the API busy while a burst is posted.
BACKGROUND = "import time\ntime.sleep(4)\nprint(input())\n"


@contextlib.contextmanager
def busy(http: httpx.Client, sync: redis.Redis, headers: dict[str, str] | None = None) -> Iterator[None]:
    """While the block runs, one other one-test request is in flight (its job already queued)."""
    seen = set(job_hashes(sync))
    with ThreadPoolExecutor(max_workers=1) as pool:
        token = str(time.monotonic_ns())  # a fresh input: identical requests share one job by design
        body = run_code_body(BACKGROUND, f"{token}\n")
        background = pool.submit(http.post, "/run_code", json=body, headers=headers)
        deadline = time.monotonic() + 30
        while not set(job_hashes(sync)) - seen:  # sent at once: the API was idle
            assert time.monotonic() < deadline, "the background request was never queued"
            time.sleep(0.02)
        yield
        assert background.result().json()["run_result"]["stdout"] == f"{token}\n"


@pytest.fixture
def redis_db(judge_session_root: Path) -> Iterator[RedisTarget]:
    target = claim_redis(judge_session_root / "coalesce-redis")
    yield target
    target.release()


@pytest.fixture
def judge(judge_session_root: Path, redis_db: RedisTarget, request) -> Iterator[JudgeCluster]:
    cluster = JudgeCluster(
        redis_url=redis_db.url,
        root=judge_session_root / f"coalesce-{request.node.name[:40]}",
        base_settings=dict(WINDOW),
    )
    yield cluster
    cluster.stop(kill=True)


def start(judge: JudgeCluster, *, workers: int = 1, **api: object) -> httpx.Client:
    for n in range(workers):
        judge.start_worker(f"w{n}", slots=2)
    url = judge.start_api(**api)
    judge.wait_ready(workers=workers)
    return httpx.Client(base_url=url, timeout=120)


def test_concurrent_run_code_calls_for_one_program_are_one_job_each_answered_with_its_own_test(
    judge, redis_db
):
    http = start(judge)
    sync = redis.Redis.from_url(redis_db.url)
    with busy(http, sync):
        before = job_hashes(sync)
        answers = together(
            lambda i: http.post("/run_code", json=run_code_body(ECHO_TWICE, f"{i}\n")), list(range(8))
        )
    assert [r.status_code for r in answers] == [200] * 8
    outs = [r.json() for r in answers]
    assert [o["status"] for o in outs] == ["Success"] * 8
    assert [o["run_result"]["stdout"] for o in outs] == [f"{2 * i}\n" for i in range(8)]
    new = [j for j in job_hashes(sync) if j not in before]
    assert len(new) == 1, new  # eight requests, one job
    meta = json.loads(sync.hget(keys.job_key(new[0]), "meta") or b"{}")
    assert meta["tests"] == 8

    # Each member is findable by its own (content-derived) id, as its own one-test result.
    for i in (0, 5):
        own_id = to_submission(RunCodeRequest(**run_code_body(ECHO_TWICE, f"{i}\n"))).id
        got = http.get(f"/v1/submissions/{own_id}")
        assert got.status_code == 200, got.text
        envelope = got.json()
        assert envelope["id"] == own_id and envelope["status"] == "done"
        assert envelope["result"]["id"] == own_id and envelope["result"]["total"] == 1
        assert envelope["result"]["tests"][0]["stdout"] == f"{2 * i}\n"
    many = http.post("/v1/submissions/lookup", json={"ids": [own_id, submission_id_for(new[0])]})
    assert many.status_code == 200 and [x["result"]["total"] for x in many.json()["items"]] == [1, 8]

    # The same requests again (verl's retry after a 504, or a repeat): the job that has them
    # answers; nothing new is queued, and the answers are the same.
    again = together(lambda i: http.post("/run_code", json=run_code_body(ECHO_TWICE, f"{i}\n")), [3, 5])
    assert [r.json()["run_result"]["stdout"] for r in again] == ["6\n", "10\n"]
    assert [j for j in job_hashes(sync) if j not in before] == new
    sync.close()


def test_different_programs_and_different_callers_are_never_merged(judge, redis_db):
    http = start(judge, api_keys="alpha:submit+read:key-a,beta:submit+read:key-b")
    sync = redis.Redis.from_url(redis_db.url)
    other = "x = int(input())\nprint(3 * x)\n"
    calls = [
        (ECHO_TWICE, 1, "key-a"),
        (ECHO_TWICE, 2, "key-a"),
        (other, 1, "key-a"),
        (other, 2, "key-a"),
        (ECHO_TWICE, 4, "key-b"),  # the same program as the first two, another caller
    ]

    def post(call):
        code, x, key = call
        return http.post("/run_code", json=run_code_body(code, f"{x}\n"), headers={"X-API-Key": key})

    with busy(http, sync, headers={"X-API-Key": "key-a"}):
        before = job_hashes(sync)
        outs = [r.json() for r in together(post, calls)]
    assert [o["run_result"]["stdout"] for o in outs] == ["2\n", "4\n", "3\n", "6\n", "8\n"]
    assert len([j for j in job_hashes(sync) if j not in before]) == 3  # (a, twice), (a, thrice), (b, twice)

    # The same request from both tenants: each finds only its own job (ids are per tenant).
    again = together(post, [(ECHO_TWICE, 4, "key-a"), (ECHO_TWICE, 4, "key-b")])
    assert [r.json()["run_result"]["stdout"] for r in again] == ["8\n", "8\n"]
    sync.close()


def test_one_callers_tle_or_crash_leaves_the_others_answers_alone(judge, redis_db):
    http = start(judge)
    sync = redis.Redis.from_url(redis_db.url)
    inputs = [0, 2, 1, 3, 4]  # the TLE first: a job that stopped early would skip the rest
    with busy(http, sync):
        outs = [
            r.json()
            for r in together(
                lambda x: http.post("/run_code", json=run_code_body(PICKY, f"{x}\n", timeout=1)), inputs
            )
        ]
    by_input = dict(zip(inputs, outs, strict=True))
    assert by_input[0]["status"] == "Failed" and by_input[0]["run_result"]["status"] == "TimeLimitExceeded"
    assert by_input[1]["status"] == "Failed" and by_input[1]["run_result"]["return_code"] == 3
    for x in (2, 3, 4):
        assert by_input[x]["status"] == "Success" and by_input[x]["run_result"]["stdout"] == f"{2 * x}\n"

    # code-judge's /judge per test: one caller's wrong answer is not another's.
    def judge_one(x: int) -> bool:
        expected = "0" if x == 5 else str(2 * x)  # input 5 is judged against a wrong expectation
        body = {"type": "python", "solution": ECHO_TWICE, "input": f"{x}\n", "expected_output": expected}
        return http.post("/judge", json=body).json()["success"]

    with busy(http, sync):
        before = job_hashes(sync)
        assert together(judge_one, [5, 6, 7]) == [False, True, True]
    assert len([j for j in job_hashes(sync) if j not in before]) == 1  # one job for the three
    sync.close()


def test_a_caller_that_disconnects_does_not_break_the_others(judge, redis_db):
    http = start(judge)
    sync = redis.Redis.from_url(redis_db.url)

    def call(x: int):
        if x == 0:  # gives up long before the run ends and closes its connection
            with httpx.Client(base_url=str(http.base_url), timeout=0.3) as impatient:
                try:
                    impatient.post("/run_code", json=run_code_body(SLOW, "0\n"))
                except httpx.TimeoutException:
                    return "gone"
                return "answered"
        return http.post("/run_code", json=run_code_body(SLOW, f"{x}\n")).json()

    with busy(http, sync):
        before = job_hashes(sync)
        outs = together(call, [0, 1, 2, 3])
    assert outs[0] == "gone"
    assert [o["run_result"]["stdout"] for o in outs[1:]] == ["2\n", "4\n", "6\n"]
    assert len([j for j in job_hashes(sync) if j not in before]) == 1
    sync.close()


def test_worker_sigkilled_mid_coalesced_job_every_caller_still_gets_its_answer(judge, redis_db):
    http = start(judge)
    victim = judge.procs[0].popen
    sync = redis.Redis.from_url(redis_db.url)
    with busy(http, sync):
        before = set(job_hashes(sync))
        outs = _kill_mid_job(judge, http, sync, victim, before)
    assert [o["status"] for o in outs] == ["Success"] * 6
    assert [o["run_result"]["stdout"] for o in outs] == [f"{2 * x}\n" for x in range(6)]
    new = set(job_hashes(sync)) - before
    assert len(new) == 1
    sync.close()


def _kill_mid_job(judge, http, sync, victim, before) -> list[dict]:
    def started() -> bool:
        for jid in set(job_hashes(sync)) - before:
            if sync.hget(keys.job_key(jid), "status") == b"started":
                return True
        return False

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(http.post, "/run_code", json=run_code_body(SLOW, f"{x}\n")) for x in range(6)]
        deadline = time.monotonic() + 60
        while not started():
            assert time.monotonic() < deadline, "the coalesced job never started"
            time.sleep(0.05)
        judge.stop_process(victim, sig=signal.SIGKILL)
        judge.start_worker("rescuer", slots=2)
        return [f.result().json() for f in futures]


def test_window_zero_keeps_one_job_per_request(judge, redis_db):
    http = start(judge, coalesce_window_ms=0)
    sync = redis.Redis.from_url(redis_db.url)
    before = job_hashes(sync)
    outs = [
        r.json()
        for r in together(
            lambda i: http.post("/run_code", json=run_code_body(ECHO_TWICE, f"{i}\n")), [1, 2, 3]
        )
    ]
    assert [o["run_result"]["stdout"] for o in outs] == ["2\n", "4\n", "6\n"]
    assert len([j for j in job_hashes(sync) if j not in before]) == 3
    sync.close()


def test_an_idle_api_sends_a_lone_request_at_once_and_groups_the_rest_of_a_burst(judge, redis_db):
    """No window for a request that finds nothing else in flight: with the longest window (1 s),
    a lone request still comes back well within it; a burst then costs one job more at most."""
    http = start(judge, coalesce_window_ms=1000)
    sync = redis.Redis.from_url(redis_db.url)
    elapsed = []
    for x in range(3):
        t = time.monotonic()
        out = http.post("/run_code", json=run_code_body(ECHO_TWICE, f"{x}\n")).json()
        elapsed.append(time.monotonic() - t)
        assert out["run_result"]["stdout"] == f"{2 * x}\n"
    assert min(elapsed) < 0.9, elapsed  # a window would have held each for 1 s
    before = job_hashes(sync)
    outs = together(
        lambda i: http.post("/run_code", json=run_code_body(ECHO_TWICE, f"{i}\n")), list(range(10, 16))
    )
    assert [o.json()["run_result"]["stdout"] for o in outs] == [f"{2 * i}\n" for i in range(10, 16)]
    assert 1 <= len([j for j in job_hashes(sync) if j not in before]) <= 2  # the first alone, the rest one
    sync.close()
