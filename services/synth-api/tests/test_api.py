"""synth-api: health, runs (start, follow, resume, artifacts) and single-stage verification,
with real Redis and RQ workers (``SimpleWorker`` in this process) and the live judge."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient
from rq import Queue, SimpleWorker
from xcoder_synth.service.app import create_app
from xcoder_synth.settings import get_settings

from .conftest import FIXTURES, run_config


@pytest.fixture
def api(redis_conn, monkeypatch) -> Iterator[tuple[TestClient, Queue]]:
    queue = f"synth-api-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("XCODER_SYNTH_QUEUE", queue)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        yield client, Queue(queue, connection=redis_conn)


def drain(queue: Queue) -> None:
    """Run every queued job (and the jobs they enqueue) in this process."""
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_health(api):
    client, _ = api
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_not_ready_without_redis(monkeypatch):
    monkeypatch.setenv("XCODER_SYNTH_REDIS_URL", "redis://127.0.0.1:9/0")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and "redis" in r.json()


def test_api_keys_guard_everything_but_health(redis_conn, monkeypatch):
    monkeypatch.setenv("XCODER_SYNTH_API_KEYS", "k1,k2")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        assert client.get("/v1/runs").status_code == 401
        assert client.get("/v1/runs", headers={"Authorization": "Bearer k2"}).status_code == 200
        assert client.get("/v1/runs", headers={"X-API-Key": "k1"}).status_code == 200
        assert client.get("/healthz").status_code == 200


def _config(replay_url: str, tmp_path) -> dict:
    data = get_settings().data_dir
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "seeds.jsonl", data / "seeds.jsonl")
    cfg = run_config(tmp_path, replay_url)
    cfg.pop("output_dir")
    cfg.pop("eval_problems")
    cfg["seeds"] = "seeds.jsonl"  # relative to the data directory
    return cfg


def test_run_lifecycle(api, replay, tmp_path):
    client, queue = api
    r = client.post("/v1/runs", json={"config": _config(replay.url, tmp_path), "stop": "write"})
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["state"] == "queued" and run["name"] == "fixture-run"
    assert client.get("/v1/runs").json() == [run["id"]]

    drain(queue)
    info = client.get(f"/v1/runs/{run['id']}").json()
    assert info["state"] == "complete", info
    stages = {s["name"]: s for s in info["stages"]}
    assert stages["write"]["records"] == 3 and stages["extract"]["dropped"] == {"parse_no_json": 1}
    assert not stages["solve"]["complete"] and info["jobs"] == {
        "finished": 8
    }  # extract 2, tree, configs, select 2, write 2

    arts = client.get(f"/v1/runs/{run['id']}/artifacts").json()
    assert [a["path"] for a in arts] == ["feature_tree.json"]
    tree = client.get(f"/v1/runs/{run['id']}/artifacts/feature_tree.json")
    assert tree.status_code == 200 and "children" in tree.json()
    assert client.get(f"/v1/runs/{run['id']}/artifacts/..%2Fconfig.json").status_code == 404

    r = client.post(f"/v1/runs/{run['id']}/resume", json={"stages": ["decontam"]})
    assert r.status_code == 202
    drain(queue)
    info = client.get(f"/v1/runs/{run['id']}").json()
    assert info["state"] == "complete" and {s["name"]: s for s in info["stages"]}["decontam"]["records"] == 3


def test_invalid_config_and_unknown_run(api, tmp_path):
    client, _ = api
    r = client.post("/v1/runs", json={"config": {"name": "x", "seeds": "s.jsonl", "llm": {"endpoints": {}}}})
    assert r.status_code == 422 and "llm.endpoints" in r.json()["detail"]
    r = client.post(
        "/v1/runs",
        json={
            "config": {
                "name": "x",
                "seeds": [],
                "llm": {"endpoints": {"a": {"base_url": "http://x", "model": "m"}}},
            },
            "stages": ["bogus"],
        },
    )
    assert r.status_code == 422 and "unknown stage" in r.json()["detail"]
    outside = {
        "name": "x",
        "seeds": "/etc/passwd",
        "llm": {"endpoints": {"a": {"base_url": "http://x", "model": "m"}}},
    }
    r = client.post("/v1/runs", json={"config": outside})
    assert r.status_code == 422 and "outside the data directory" in r.json()["detail"]
    assert client.get("/v1/runs").json() == []
    assert client.get("/v1/runs/nope-123").status_code == 404
    assert client.get("/v1/jobs/nope").status_code == 404


def test_verify_one_task_against_given_candidates(api, live_judge, monkeypatch):
    client, queue = api
    monkeypatch.setenv("XCODER_SYNTH_JUDGE_URL", live_judge.url)
    get_settings.cache_clear()
    pools = yaml.safe_load((FIXTURES / "pools.yaml").read_text())["maxsub"]
    correct = [{"code": c} for c in list(pools["correct"].values())[:4]]
    wrong = {"response": f"Here it is.\n```python\n{pools['wrong']['max_element']}```"}
    candidates = [*correct, wrong, {"response": "no code at all"}]
    arrays = [[1, 2, 3], [-1, -2], [5, -10, 5], [4], [2, -1, 2], [-3, 4, -1, 2]]
    body = {
        "task": {"id": "api-maxsub"},
        "candidates": candidates,
        "inputs": [{"data": f"{len(a)}\n{' '.join(map(str, a))}\n"} for a in arrays],
        "config": {"min_candidates": 3, "min_tests": 4, "limits": {"time_s": 2, "memory_mb": 256}},
    }
    r = client.post("/v1/stages/verify", json=body)
    assert r.status_code == 202
    job = r.json()
    drain(queue)
    done = client.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "finished", done
    result = done["result"]
    assert result["status"] == "verified"
    v = result["result"]
    assert [t["output"].strip() for t in v["tests"]] == ["6", "-1", "5", "4", "3", "5"]
    outcomes = {o["candidate_id"]: o for o in v["candidates"]}
    assert sum(o["passed_all"] for o in outcomes.values()) == 4
    assert sum(not o["usable"] for o in outcomes.values()) == 1  # the reply without code
    assert outcomes[v["golden_candidate_id"]]["passed_all"]


def test_queue_status_lists_queue(api):
    client, _ = api
    body = client.get("/v1/status").json()
    assert body["queue"].startswith("synth-api-") and body["queued"] == 0
