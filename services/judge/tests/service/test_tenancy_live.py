"""Tenants over real HTTP, a real worker and real Redis: what one tenant's key can reach.

Two tenants (`team-a` with a submit key and a read-only key, `team-b`), an operator and a bare
key. Each route's access is checked from a table over the OpenAPI document's operations, so a new
route fails this test until it says who may call it.
"""

from __future__ import annotations

import hashlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from xcoder_judge.service.api.keyring import hash_key
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.ids import job_id_for
from xcoder_judge.testing import JudgeCluster, RedisTarget, claim_redis

A_KEY = "a-submit-key-7f3c9e1d2b"
A_READER = "a-read-only-key-51e0aa"
B_KEY = "b-submit-key-c4d1e8f0aa"
OPS_KEY = "ops-operator-key-9d2e77"
BARE_KEY = "bare-legacy-key-0b1c2d"
KEYS = ",".join(
    (
        f"team-a:submit:{A_KEY}",
        f"team-a:read:{hash_key(A_READER)}",  # hashed in the configuration
        f"team-b:submit:{hash_key(B_KEY)}",
        f"ops:operator:{OPS_KEY}",
        BARE_KEY,
    )
)

ECHO = "print(input())\n"


def echo(word: str, **over) -> dict:
    body = {
        "language": "python3",
        "source": ECHO,
        "tests": [{"input": f"{word}\n", "expected": word}],
        "output": "all",
    }
    return {**body, **over}


@pytest.fixture(scope="module")
def tenancy(judge_session_root: Path) -> Iterator[tuple[JudgeCluster, RedisTarget, str, str]]:
    """A worker and two APIs on one Redis: `url` keyed, `open_url` also keyed but with the compat
    routes open and /metrics for operators only."""
    target = claim_redis(judge_session_root / "tenancy-redis")
    cluster = JudgeCluster(
        redis_url=target.url,
        root=judge_session_root / "tenancy",
        base_settings={"languages": "python3", "lease_s": 2, "compat_wait_s": 60},
    )
    try:
        cluster.start_worker("w", slots=2)
        open_url = cluster.start_api(
            "api-compat-open", api_keys=KEYS, compat_open="true", metrics_require_key="true"
        )
        url = cluster.start_api("api", api_keys=KEYS)
        cluster.wait_ready()
        yield cluster, target, url, open_url
    finally:
        cluster.stop(kill=True)
        target.release()


def client(url: str, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=120, headers={"X-API-Key": key} if key else {})


@pytest.fixture(scope="module")
def a(tenancy):
    with client(tenancy[2], A_KEY) as c:
        yield c


@pytest.fixture(scope="module")
def b(tenancy):
    with httpx.Client(base_url=tenancy[2], timeout=120, headers={"Authorization": f"Bearer {B_KEY}"}) as c:
        yield c


@pytest.fixture(scope="module")
def a_reader(tenancy):
    with client(tenancy[2], A_READER) as c:
        yield c


def test_another_tenants_id_is_unknown_never_a_result_or_a_conflict(a, b, a_reader):
    sid = "run42-sample-7"
    mine = a.post("/v1/submissions", json=echo("alpha", id=sid))
    assert mine.status_code == 200 and mine.json()["result"]["tests"][0]["stdout"] == "alpha\n"
    # B reads A's id: unknown, by GET, lookup and a lookup mixing in an id of its own.
    assert b.get(f"/v1/submissions/{sid}").status_code == 404
    looked = b.post("/v1/submissions/lookup", json={"ids": [sid], "wait": 0})
    assert looked.status_code == 404 and sid in looked.text and "alpha" not in looked.text
    # B submits its own, different program under the same id: its own submission, not a 409.
    theirs = b.post("/v1/submissions", json=echo("beta", id=sid, source="print('beta')"))
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["id"] == sid and theirs.json()["result"]["tests"][0]["stdout"] == "beta\n"
    # Each tenant reads its own result under the one id; A's read-only key reads A's.
    assert a.get(f"/v1/submissions/{sid}").json()["result"]["tests"][0]["stdout"] == "alpha\n"
    assert b.get(f"/v1/submissions/{sid}").json()["result"]["tests"][0]["stdout"] == "beta\n"
    assert a_reader.get(f"/v1/submissions/{sid}").json()["result"]["tests"][0]["stdout"] == "alpha\n"
    # Idempotency still holds inside a tenant: the same id and content is the same job, other
    # content under it is a 409.
    again = a.post("/v1/submissions", json=echo("alpha", id=sid))
    assert again.status_code == 200 and again.json()["result"]["attempts"] == 1
    conflict = a.post("/v1/submissions", json=echo("gamma", id=sid))
    assert conflict.status_code == 409
    mixed = b.post("/v1/submissions/lookup", json={"ids": [sid, "only-in-a"], "wait": 0})
    assert mixed.status_code == 404


def test_server_chosen_ids_and_batches_stay_in_their_tenant(a, b, tenancy):
    r = a.post("/v1/submissions/batch", json={"submissions": [echo("one"), echo("two", id="a-batch-2")]})
    assert r.status_code == 200
    ids = [item["id"] for item in r.json()["items"]]
    assert b.post("/v1/submissions/lookup", json={"ids": ids, "wait": 0}).status_code == 404
    for sid in ids:
        assert b.get(f"/v1/submissions/{sid}").status_code == 404
    got = a.post("/v1/submissions/lookup", json={"ids": ids, "wait": 0}).json()["items"]
    assert [i["result"]["tests"][0]["stdout"] for i in got] == ["one\n", "two\n"]
    # In Redis, A's jobs sit in A's namespace.
    sync = redis.Redis.from_url(tenancy[1].url)
    try:
        for sid in ids:
            assert sync.exists(keys.job_key(job_id_for(sid, "team-a")))
            assert not sync.exists(keys.job_key(job_id_for(sid))), "not in the open namespace"
            assert not sync.exists(keys.job_key(job_id_for(sid, "team-b")))
    finally:
        sync.close()


def test_compat_routes_act_as_the_keys_tenant(a, b):
    run = {"code": "print('sf')", "language": "python"}
    assert a.post("/run_code", json=run).json()["run_result"]["stdout"] == "sf\n"
    # The SandboxFusion job's id is derived from its content; B knowing the content cannot use
    # it to read A's run (or learn that A ran it).
    digest = _sandbox_fusion_id(run)
    assert a.get(f"/v1/submissions/{digest}").status_code == 200
    assert b.get(f"/v1/submissions/{digest}").status_code == 404
    judged = b.post("/judge", json={"type": "python", "solution": "print(2)", "expected_output": "2"})
    assert judged.status_code == 200 and judged.json()["success"] is True


def test_keys_in_the_url_as_verl_and_code_judge_clients_send_them_pick_the_tenant(tenancy, a, b):
    url = tenancy[2]
    run = {"code": "print('via-url')", "language": "python"}
    # verl's sandbox_fusion posts to the URL it is given: `…/run_code?api_key=KEY`.
    with httpx.Client(timeout=120) as anon:
        r = anon.post(f"{url}/run_code", params={"api_key": B_KEY}, json=run)
        assert r.status_code == 200 and r.json()["run_result"]["stdout"] == "via-url\n"
        # code-judge's judge_client appends paths to `http://:KEY@host`: HTTP Basic.
        batch = {"submissions": [{"type": "python", "solution": "print(3)", "expected_output": "3"}]}
        r = anon.post(f"{url}/judge/long-batch", json=batch, auth=("", A_KEY))
        assert r.status_code == 200 and r.json()["results"][0]["success"] is True
        assert anon.post(f"{url}/judge/long-batch", json=batch, auth=("", "wrong")).status_code == 401
    digest = _sandbox_fusion_id(run)
    assert b.get(f"/v1/submissions/{digest}").status_code == 200  # B's run, in B's namespace
    assert a.get(f"/v1/submissions/{digest}").status_code == 404


def _sandbox_fusion_id(run: dict) -> str:
    from xcoder_judge.service.compat import sandbox_fusion as sf

    return sf.to_submission(sf.RunCodeRequest.model_validate(run)).id or ""


def test_the_access_log_never_holds_a_key(tenancy):
    cluster = tenancy[0]
    url = cluster.start_api("api-access-log", api_keys=KEYS, access_log="true")
    with httpx.Client(base_url=url, timeout=60) as api:
        deadline = time.monotonic() + 60
        while True:
            try:
                api.get("/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, cluster.log_tail()
                time.sleep(0.05)
        assert api.get("/v1/languages", params={"api_key": A_KEY}).status_code == 200
        # Only `api_key` is read (a misspelt `API_KEY` is no key: 401), but both are blanked in the log.
        assert api.get("/v1/status", params={"x": "1", "API_KEY": B_KEY}).status_code == 401
        assert api.get("/v1/status", params={"api_key": B_KEY}).status_code == 403
        assert api.get("/v1/languages", auth=("", OPS_KEY)).status_code == 200
        assert api.get("/v1/languages", params={"api_key": "wrong-key-123"}).status_code == 401
    log = (cluster.root / "logs" / "api-access-log.log").read_text()
    assert "GET /v1/languages?api_key=*** HTTP/1.1" in log and "&API_KEY=***" in log
    for secret in (A_KEY, B_KEY, OPS_KEY, "wrong-key-123"):
        assert secret not in log


# ------------------------------------------------------------------ roles, route by route

PUBLIC = "public"
SUBMIT = {"a", "b", "bare"}
READ = {"a", "b", "a_reader", "bare"}
OPERATOR = {"ops", "bare"}
EVERY_KEY = SUBMIT | READ | OPERATOR

# Every operation of the OpenAPI document: who may call it. A route missing here fails the test.
ROUTES: dict[tuple[str, str], str | set[str]] = {
    ("post", "/v1/submissions"): SUBMIT,
    ("post", "/v1/submissions/batch"): SUBMIT,
    ("post", "/v1/submissions/lookup"): READ,
    ("get", "/v1/submissions/{submission_id}"): READ,
    ("get", "/v1/languages"): EVERY_KEY,
    ("get", "/v1/capabilities"): OPERATOR,
    ("get", "/v1/status"): OPERATOR,
    ("post", "/run_code"): SUBMIT,
    ("post", "/judge"): SUBMIT,
    ("post", "/run"): SUBMIT,
    ("post", "/judge/batch"): SUBMIT,
    ("post", "/judge/long-batch"): SUBMIT,
    ("post", "/run/batch"): SUBMIT,
    ("post", "/run/long-batch"): SUBMIT,
    ("get", "/status"): SUBMIT | OPERATOR,
    ("get", "/healthz"): PUBLIC,
    ("get", "/readyz"): PUBLIC,
    ("get", "/metrics"): PUBLIC,
    ("get", "/ping"): PUBLIC,
    ("get", "/v1/ping"): PUBLIC,
}
# Pages outside the document: the document itself and its viewers.
UNLISTED = {("get", "/openapi.json"), ("get", "/docs"), ("get", "/redoc")}
WHO = {"a": A_KEY, "a_reader": A_READER, "b": B_KEY, "ops": OPS_KEY, "bare": BARE_KEY}

_CJ = {"type": "python", "solution": "print(1)", "expected_output": "1"}
BODIES: dict[str, dict] = {
    "/v1/submissions": echo("x", id="roles-probe"),
    "/v1/submissions/batch": {"submissions": [echo("x", id="roles-probe")]},
    "/v1/submissions/lookup": {"ids": ["roles-probe"], "wait": 0},
    "/run_code": {"code": "print(1)", "language": "python"},
    "/judge": _CJ,
    "/run": _CJ,
    "/judge/batch": {"submissions": [_CJ]},
    "/judge/long-batch": {"submissions": [_CJ]},
    "/run/batch": {"submissions": [_CJ]},
    "/run/long-batch": {"submissions": [_CJ]},
}


def _call(api: httpx.Client, method: str, path: str, key: str | None) -> httpx.Response:
    url = path.replace("{submission_id}", "roles-probe")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    params = {"wait": 0} if path in ("/v1/submissions", "/v1/submissions/batch") else {}
    return api.request(method, url, json=BODIES.get(path), headers=headers, params=params)


def test_every_route_enforces_its_roles(tenancy):
    url = tenancy[2]
    with httpx.Client(base_url=url, timeout=120) as api:
        doc = api.get("/openapi.json").json()
        listed = {(m, p) for p, item in doc["paths"].items() for m in item}
        assert listed == set(ROUTES), f"routes without a row here: {listed ^ set(ROUTES)}"
        for (method, path), allowed in ROUTES.items():
            op = doc["paths"][path][method]
            if allowed == PUBLIC:
                assert "security" not in op, path
                for key in (None, "wrong-key", A_KEY):
                    r = _call(api, method, path, key)
                    assert r.status_code in (200, 503), (method, path, r.status_code, r.text)
                continue
            assert op["security"] and op["x-roles"], path
            for key in (None, "wrong-key", hash_key(A_KEY)):  # the hash is not the key
                r = _call(api, method, path, key)
                assert r.status_code == 401, (method, path, key, r.status_code)
                assert r.headers["www-authenticate"] == "Bearer"
            for who, key in WHO.items():
                r = _call(api, method, path, key)
                if who in allowed:
                    assert r.status_code not in (401, 403) and r.status_code < 500, (
                        method,
                        path,
                        who,
                        r.status_code,
                        r.text,
                    )
                else:
                    assert r.status_code == 403, (method, path, who, r.status_code, r.text)
                    assert "needs the role" in r.json()["detail"]
        for method, path in UNLISTED:
            assert api.request(method, path).status_code == 200, path


def test_open_compat_routes_and_operator_only_metrics(tenancy, a):
    open_url = tenancy[3]
    with httpx.Client(base_url=open_url, timeout=120) as anon:
        # Compat routes answer without a key, in a namespace of their own …
        run = {"code": "print('open')", "language": "python"}
        assert anon.post("/run_code", json=run).json()["run_result"]["stdout"] == "open\n"
        assert a.get(f"/v1/submissions/{_sandbox_fusion_id(run)}").status_code == 404
        # … a wrong key is still refused, a right one still acts as its tenant, the native API
        # still needs its keys.
        assert anon.post("/run_code", json=run, headers={"X-API-Key": "wrong"}).status_code == 401
        assert anon.post("/run_code", json=run, headers={"X-API-Key": A_READER}).status_code == 403
        assert anon.get("/v1/languages").status_code == 401
        # /metrics for operator keys only.
        assert anon.get("/metrics").status_code == 401
        assert anon.get("/metrics", headers={"X-API-Key": A_KEY}).status_code == 403
        scraped = anon.get("/metrics", headers={"X-API-Key": OPS_KEY})
        assert scraped.status_code == 200 and "xcoder_judge_redis_up 1.0" in scraped.text
        doc = anon.get("/openapi.json").json()
        assert "security" not in doc["paths"]["/run_code"]["post"]
        assert doc["paths"]["/metrics"]["get"]["x-roles"] == ["operator"]


def test_per_tenant_metrics_name_only_configured_tenants(tenancy, a, b):
    a.post("/v1/submissions", json=echo("m1"))
    b.post("/v1/submissions", json=echo("m2"))
    with httpx.Client(base_url=tenancy[2], timeout=60) as api:
        assert api.get("/v1/languages").status_code == 401  # counted below, whatever ran before
        text = api.get("/metrics").text
    counts = {
        line.split('tenant="')[1].split('"')[0]: float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("xcoder_judge_tenant_submissions_total{")
    }
    assert counts["team-a"] >= 1 and counts["team-b"] >= 1
    bare_tenant = "key-" + hashlib.sha256(BARE_KEY.encode()).hexdigest()[:8]
    assert set(counts) <= {"team-a", "team-b", "ops", bare_tenant, "other", "open"}
    assert 'xcoder_judge_auth_denied_total{status="401"}' in text
    assert A_KEY not in text and B_KEY not in text
    # The cluster-wide job series (recorded by the worker) carry the tenant too.
    judged = {
        line.split('tenant="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("xcoder_judge_jobs_total{") and 'verdict="AC"' in line
    }
    assert {"team-a", "team-b"} <= judged <= {"team-a", "team-b", "ops", bare_tenant, "other", "open"}


@pytest.mark.slow
def test_a_worker_killed_mid_job_keeps_each_result_in_its_tenant(judge_session_root):
    """Both tenants' jobs under one id run on a worker that is SIGKILLed; a fresh worker re-runs
    them and each tenant gets its own program's result."""
    target = claim_redis(judge_session_root / "tenancy-kill-redis")
    cluster = JudgeCluster(
        redis_url=target.url,
        root=judge_session_root / "tenancy-kill",
        base_settings={"languages": "python3", "lease_s": 2, "job_retries": 2},
    )
    sync = redis.Redis.from_url(target.url)
    try:
        victim = cluster.start_worker("victim", slots=2)
        url = cluster.start_api(api_keys=KEYS)
        cluster.wait_ready()
        slow = "import time\ntime.sleep(2)\nprint({word!r})\n"
        sid = "killed-mid-job"
        tenants = {"team-a": (client(url, A_KEY), "from-a"), "team-b": (client(url, B_KEY), "from-b")}
        for c, word in tenants.values():
            body = echo(word, id=sid, source=slow.format(word=word))
            r = c.post("/v1/submissions", params={"wait": 0}, json=body)
            assert r.status_code == 202, r.text

        def started() -> bool:
            fields = [sync.hget(keys.job_key(job_id_for(sid, t)), "status") for t in tenants]
            return fields == [b"started", b"started"]

        deadline = time.monotonic() + 60
        while not started():
            assert time.monotonic() < deadline, "the two jobs did not both start"
            time.sleep(0.02)
        cluster.stop_process(victim, sig=signal.SIGKILL)
        cluster.start_worker("survivor", slots=2)
        for tenant, (c, word) in tenants.items():
            got = c.get(f"/v1/submissions/{sid}", params={"wait": 120}).json()
            assert got["id"] == sid and got["status"] == "done", (tenant, got)
            result = got["result"]
            assert result["verdict"] == "AC" and result["tests"][0]["stdout"] == f"{word}\n", (tenant, result)
            assert result["attempts"] == 2, (tenant, result)  # re-run after the kill, in its tenant
            c.close()
        assert not sync.exists(keys.job_key(job_id_for(sid))), "nothing leaked into the open namespace"
    finally:
        sync.close()
        cluster.stop(kill=True)
        target.release()
