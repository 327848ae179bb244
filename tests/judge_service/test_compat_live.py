"""Existing clients, unmodified, against the live judge: verl's SandboxFusion caller and X-Coder's
code-judge client (their exact request shapes), plus verl 0.9.1's own reward code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ADD_PY = "a, b = map(int, input().split())\nprint(a + b)\n"
ADD_CPP = '#include <bits/stdc++.h>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n'


@pytest.fixture(scope="module")
def http(live_judge):
    with httpx.Client(base_url=live_judge.url, timeout=120) as client:
        yield client


def run_code(
    http: httpx.Client, code: str, stdin: str | None = "1 2\n", language: str = "python", timeout: float = 10
):
    """Exactly the body verl 0.9.1 posts (verl/utils/reward_score/sandbox_fusion/utils.py)."""
    body = {
        "compile_timeout": timeout,
        "run_timeout": timeout,
        "code": code,
        "stdin": stdin,
        "memory_limit_MB": 1024,
        "language": language,
        "files": {},
        "fetch_files": [],
    }
    r = http.post("/run_code", json=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


def verl_passes(resp: dict, expected: str) -> bool:
    """verl's own reading of a /run_code answer."""
    run = resp.get("run_result") or {}
    return (
        resp["status"] == "Success"
        and run.get("status") == "Finished"
        and (run.get("stdout", "").rstrip("\n") == expected.rstrip("\n"))
    )


# ------------------------------------------------------------------ SandboxFusion /run_code


def test_run_code_answers_with_sandboxfusion_fields(http):
    resp = run_code(http, ADD_PY)
    assert set(resp) == {"status", "message", "compile_result", "run_result", "executor_pod_name", "files"}
    assert set(resp["run_result"]) == {"status", "execution_time", "return_code", "stdout", "stderr"}
    assert verl_passes(resp, "3")
    assert resp["run_result"]["return_code"] == 0 and resp["files"] == {}
    cpp = run_code(http, ADD_CPP, language="cpp")
    assert verl_passes(cpp, "3") and cpp["compile_result"]["status"] == "Finished"


def test_run_code_returns_large_output_whole(http):
    # SandboxFusion cuts such outputs short or times out (its bug B1); verl compares all of it.
    for n in (300_000, 2_000_000):
        resp = run_code(http, f"import sys\nsys.stdout.write('x' * {n})\n", stdin=None)
        assert resp["status"] == "Success" and len(resp["run_result"]["stdout"]) == n


def test_run_code_failures_keep_sandboxfusion_meanings(http):
    tle = run_code(http, "while True: pass\n", timeout=1)
    assert tle["status"] == "Failed" and tle["run_result"]["status"] == "TimeLimitExceeded"
    crash = run_code(http, "print('partial')\nraise SystemExit(3)\n")
    assert crash["status"] == "Failed" and crash["run_result"]["return_code"] == 3
    assert crash["run_result"]["stdout"] == "partial\n"
    boom = run_code(http, "raise ValueError('boom')\n")
    assert boom["run_result"]["return_code"] == 1 and "ValueError: boom" in boom["run_result"]["stderr"]
    ce = run_code(http, "int main( {", language="cpp")
    assert ce["status"] == "Failed" and ce["run_result"] is None
    assert ce["compile_result"]["return_code"] != 0 and "error" in ce["compile_result"]["stderr"]


def test_run_code_refuses_what_it_cannot_honour_by_field(http):
    base = {"code": ADD_PY, "language": "python"}
    files = http.post("/run_code", json={**base, "files": {"in.txt": "MQ=="}})
    assert files.status_code == 400 and files.json()["detail"][0]["loc"] == ["body", "files"]
    # SandboxFusion languages we map (php, ruby, ...) run; one we do not offer is refused by name
    cuda = http.post("/run_code", json={**base, "language": "cuda"})
    assert cuda.status_code == 400 and "python" in cuda.json()["detail"][0]["msg"]
    assert http.post("/run_code", json={**base, "run_timeout": 999}).status_code == 422
    assert http.get("/v1/ping").json() == "pong"


# ------------------------------------------------------------------ code-judge / X-Coder


def test_xcoder_long_batch_gets_results_in_request_order(http):
    # The exact payload X-Coder's trainer builds: {"type": "batch", "submissions": [...]}.
    subs = [
        {"type": "python", "solution": ADD_PY, "input": "1 2", "expected_output": "3"},
        {"type": "python", "solution": ADD_PY, "input": "1 2", "expected_output": "4"},
        {"type": "python", "solution": "while True: pass", "input": "", "expected_output": "1"},
        {"type": "python", "solution": "raise SystemExit(2)", "input": "", "expected_output": ""},
        {"type": "cpp", "solution": ADD_CPP, "input": "40 2", "expected_output": "42\n"},
        {"type": "cpp", "solution": "int main( {", "input": "", "expected_output": ""},
        {"type": "python", "solution": "print('  9 ')", "input": None, "expected_output": "9"},
        {"type": "python", "solution": "", "input": "", "expected_output": None},
    ]
    r = http.post("/judge/long-batch", json={"type": "batch", "submissions": subs})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"sub_id", "results"}
    results = body["results"]
    shown = json.dumps(results, indent=1)
    assert [x["success"] for x in results] == [True, False, False, False, True, False, True, True], shown
    assert [x["run_success"] for x in results] == [True, True, False, False, True, False, True, True], shown
    assert [x["reason"] for x in results] == ["", "", "worker_timeout", "", "", "", "", ""], shown
    assert all(set(x) == {"sub_id", "success", "run_success", "cost", "reason"} for x in results)


def test_code_judge_single_and_run_variants(http):
    sub = {"type": "python", "solution": "print(input()[::-1])", "input": "abc", "expected_output": "cba"}
    judged = http.post("/judge", json=sub).json()
    assert judged["success"] is True and "stdout" not in judged
    ran = http.post("/run", json={**sub, "expected_output": None}).json()
    assert ran["success"] is True and ran["stdout"] == "cba\n" and ran["stderr"] == ""
    batch = http.post(
        "/run/batch", json={"sub_id": "b1", "submissions": [sub, {**sub, "input": "xy"}]}
    ).json()
    assert batch["sub_id"] == "b1" and [x["stdout"] for x in batch["results"]] == ["cba\n", "yx\n"]
    assert [x["success"] for x in batch["results"]] == [True, False]
    assert http.post("/judge/batch", json={"submissions": [sub]}).json()["results"][0]["success"] is True
    assert http.post("/run/long-batch", json={"submissions": [sub]}).json()["results"][0]["stdout"] == "cba\n"
    assert http.get("/ping").json() == "pong"
    status = http.get("/status").json()
    assert set(status) == {"queue", "num_workers"} and status["num_workers"] == 2


def test_code_judge_schema_errors_are_422(http):
    assert http.post("/judge", json={"type": "math", "solution": "1"}).status_code == 422
    assert http.post("/judge/long-batch", json={"type": "batch", "submissions": []}).status_code == 422


# ------------------------------------------------------------------ verl's own code


@pytest.fixture(scope="module")
def train_python() -> str:
    """The clients' CPU training venv (verl 0.9.1), built by their script if it is not there yet."""
    venv = Path(os.environ.get("XCODER_TRAIN_VENV", REPO / "clients" / ".venv-train"))
    setup = subprocess.run(
        [str(REPO / "clients" / "scripts" / "setup-train-venv.sh"), str(venv)],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert setup.returncode == 0, f"could not build the training venv:\n{setup.stdout}\n{setup.stderr}"
    return str(venv / "bin" / "python")


@pytest.mark.slow
def test_verl_sandbox_fusion_reward_scores_through_this_judge(train_python, live_judge):
    tests = {"inputs": ["1 2\n", "5 7\n", "0 0\n"], "outputs": ["3\n", "12\n", "0\n"]}
    items = [
        {"completion": f"```python\n{ADD_PY}```", "test_cases": tests},
        {"completion": "```python\na, b = map(int, input().split())\nprint(a - b)\n```", "test_cases": tests},
        {"completion": "```python\nwhile True: pass\n```", "test_cases": tests},
        {"completion": "```python\nraise ValueError\n```", "test_cases": tests},
    ]
    run = subprocess.run(
        [train_python, str(Path(__file__).parent / "probes" / "verl_sandbox_fusion.py"), live_judge.url],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    right, wrong, loops, raises = json.loads(run.stdout.strip().splitlines()[-1])
    assert right["score"] == 1.0 and right["results"] == [True, True, True]
    assert wrong["score"] == pytest.approx(1 / 3) and wrong["results"] == [False, False, True]
    assert loops["score"] == 0.0 and loops["results"] == [-3, -3, -3]  # verl's timeout code
    assert raises["score"] == 0.0 and raises["results"] == [-2, -2, -2]  # verl's runtime-error code


@pytest.mark.slow
def test_verl_sandbox_fusion_reward_scores_a_correct_program_1_through_a_full_queue(
    train_python, judge_session_root
):
    """verl's unmodified caller against a full queue: it must wait, never score a failure.

    verl retries only a 504 (3 attempts, 1 s and 2 s apart) and reads a 429 or a SandboxError as
    a failed test. Here the queue holds 2, and 2-second programs fill it and the one slot just
    before verl sends its three tests; the API answers /run_code within 3 s (504 when not done),
    so verl's first attempts are 504s, and its retries find the jobs they queued.
    """
    from xcoder_judge.testing import JudgeCluster, claim_redis

    target = claim_redis(judge_session_root / "full-queue-redis")
    cluster = JudgeCluster(redis_url=target.url, root=judge_session_root / "full-queue")
    probe = None
    try:
        cluster.start_worker(slots=1, languages="python3")
        cluster.start_api(max_queue=2, compat_wait_s=3)
        cluster.wait_ready()
        probe = subprocess.Popen(
            [train_python, str(Path(__file__).parent / "probes" / "verl_sandbox_fusion.py"), cluster.url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert probe.stderr is not None
        for line in probe.stderr:  # verl imports for seconds: fill the queue only once it is ready
            if line.startswith("probe: verl imported"):
                break
        with httpx.Client(base_url=cluster.url, timeout=30) as http:
            slow = {
                "language": "python3",
                "source": "import time\ntime.sleep(2)\n",
                "tests": [{"input": ""}],
                "limits": {"time_s": 2, "wall_s": 5},
            }
            statuses: list[int] = []
            while 429 not in statuses and len(statuses) < 20:
                slow = {**slow, "source": slow["source"] + "#\n"}  # a new program, not a resubmission
                statuses.append(http.post("/v1/submissions", params={"wait": 0}, json=slow).status_code)
            assert statuses[-1] == 429 and statuses.count(202) >= 3, statuses  # the queue is full
            tests = {"inputs": ["1 2\n", "5 7\n", "0 0\n"], "outputs": ["3\n", "12\n", "0\n"]}
            stdout, stderr = probe.communicate(
                json.dumps([{"completion": f"```python\n{ADD_PY}```", "test_cases": tests}]), timeout=600
            )
            assert probe.returncode == 0, stderr[-4000:]
            [right] = json.loads(stdout.strip().splitlines()[-1])
            assert right["score"] == 1.0 and right["results"] == [True, True, True], right
            counts = {
                line.split("status=")[1][1:4]: float(line.split()[-1])
                for line in http.get("/metrics").text.splitlines()
                if line.startswith("xcoder_judge_http_request_duration_seconds_count")
                and 'route="/run_code"' in line
            }
            assert counts.get("504", 0) >= 1 and set(counts) == {"200", "504"}, counts  # waited, no 429
    finally:
        if probe is not None and probe.poll() is None:
            probe.kill()
            probe.wait()
        cluster.stop(kill=True)
        target.release()


@pytest.mark.slow
def test_verl_sandbox_fusion_passes_a_key_in_its_url_and_acts_as_that_tenant(
    train_python, judge_session_root
):
    """verl's unmodified caller with `sandbox_fusion.url=…/run_code?api_key=KEY` on a judge with
    tenants: it scores 1.0, and the runs are the key's tenant's; without the key it cannot."""
    from xcoder_judge.testing import JudgeCluster, claim_redis

    target = claim_redis(judge_session_root / "keyed-verl-redis")
    cluster = JudgeCluster(redis_url=target.url, root=judge_session_root / "keyed-verl")
    try:
        cluster.start_worker(slots=2, languages="python3")
        cluster.start_api(api_keys="rl-run:submit:verl-key-5a9c01,other:submit:other-key-33e7")
        cluster.wait_ready()
        tests = {"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]}
        items = json.dumps([{"completion": f"```python\n{ADD_PY}```", "test_cases": tests}])
        probe = Path(__file__).parent / "probes" / "verl_sandbox_fusion.py"
        scores = {}
        for name, url in (
            ("keyed", f"{cluster.url}/run_code?api_key=verl-key-5a9c01"),
            ("keyless", cluster.url),
        ):
            run = subprocess.run(
                [train_python, str(probe), url], input=items, capture_output=True, text=True, timeout=600
            )
            assert run.returncode == 0, run.stderr[-4000:]
            [scores[name]] = json.loads(run.stdout.strip().splitlines()[-1])
        assert scores["keyed"]["score"] == 1.0 and scores["keyed"]["results"] == [True, True]
        assert scores["keyless"]["score"] == 0.0  # verl reads the 401 as failed tests (docs say so)
        # The runs verl made are the key's tenant's: that tenant reads them, another cannot.
        import redis
        from xcoder_judge.service.queue import keys
        from xcoder_judge.service.queue.ids import submission_id_for, tenant_of

        sync = redis.Redis.from_url(target.url)
        prefix = keys.job_key_prefix()
        # verl posts a rollout's tests at once: they are one job when they met in the coalescing
        # window (api/coalesce.py), else one job each.
        job_ids = [
            k.decode().removeprefix(prefix)
            for pattern in ("*sandboxfusion*", "*coalesced*")
            for k in sync.scan_iter(match=prefix + pattern)
        ]
        sync.close()
        assert len(job_ids) >= 1 and {tenant_of(j) for j in job_ids} == {"rl-run"}, job_ids
        with httpx.Client(base_url=cluster.url, timeout=30) as http:
            for job_id in job_ids:
                sid = submission_id_for(job_id)
                assert (
                    http.get(f"/v1/submissions/{sid}", headers={"X-API-Key": "verl-key-5a9c01"}).status_code
                    == 200
                )
                assert (
                    http.get(f"/v1/submissions/{sid}", headers={"X-API-Key": "other-key-33e7"}).status_code
                    == 404
                )
    finally:
        cluster.stop(kill=True)
        target.release()
