"""Stages as RQ jobs: two real worker processes share one run; a failing shard stops the run
with a clear error and a re-dispatch resumes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from xcoder_synth.pipeline.config import load_config
from xcoder_synth.pipeline.dispatch import DispatchError, enqueue_run, wait_for
from xcoder_synth.pipeline.runner import open_run, run_local, select_stages

from .conftest import REDIS_URL, run_config, write_config


def _workers(queue: str, n: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "XCODER_SYNTH_REDIS_URL": REDIS_URL,
        "XCODER_SYNTH_QUEUE": queue,
        "XCODER_SYNTH_LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "xcoder_synth.cli",
                "worker",
                "--burst",
                "--name",
                f"w{i}-{uuid.uuid4().hex[:6]}",
            ],
            env=env,
        )
        for i in range(n)
    ]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        p.wait(timeout=30)


def _records(store, stages):
    return {s: sorted(json.dumps(r, sort_keys=True) for r in store.records(s)) for s in stages}


def test_two_workers_share_a_run(replay, redis_conn, tmp_path):
    stages = select_stages(stop="solve")
    local_dir = tmp_path / "local"
    local_dir.mkdir()
    local_cfg = load_config(write_config(local_dir, run_config(local_dir, replay.url)))
    local = open_run(local_cfg)
    run_local(local, local_cfg, stages, progress=False)

    config = load_config(write_config(tmp_path, run_config(tmp_path, replay.url)))
    store = open_run(config)
    queue = f"synth-test-{uuid.uuid4().hex[:6]}"
    jobs = enqueue_run(
        store,
        stages,
        config=config,
        queue_name=queue,
        connection=redis_conn,
        job_timeout_s=600,
    )
    # extract(2) tree(1) configs(1) select(2) write(2) decontam(2) solve(2)
    assert len(jobs) == 12
    workers = _workers(queue, 2)
    try:
        wait_for(jobs, connection=redis_conn)
    finally:
        _stop(workers)
    assert all(store.stage_complete(s) for s in stages)
    assert _records(store, stages) == _records(local, stages)
    # A second dispatch finds every shard done and enqueues nothing.
    assert (
        enqueue_run(
            store,
            stages,
            config=config,
            queue_name=queue,
            connection=redis_conn,
            job_timeout_s=600,
        )
        == []
    )


def test_failing_shard_stops_the_run_and_redispatch_resumes(replay, redis_conn, tmp_path, monkeypatch):
    cfg = run_config(tmp_path, replay.url)
    cfg["llm"]["endpoints"]["broken"] = {
        **cfg["llm"]["endpoints"]["default"],
        "api_key_env": "SYNTH_TEST_MISSING_KEY",
    }
    cfg["llm"]["stages"] = {"select": "broken"}
    config = load_config(write_config(tmp_path, cfg))
    store = open_run(config)
    queue = f"synth-test-{uuid.uuid4().hex[:6]}"
    stages = select_stages(stop="write")
    jobs = enqueue_run(
        store,
        stages,
        config=config,
        queue_name=queue,
        connection=redis_conn,
        job_timeout_s=600,
    )
    workers = _workers(queue, 1)
    try:
        with pytest.raises(DispatchError, match="SYNTH_TEST_MISSING_KEY is not set"):
            wait_for(jobs, connection=redis_conn)
    finally:
        _stop(workers)
    assert store.stage_complete("configs") and not store.stage_complete("select")
    assert store.done_shards("write") == 0 and not list(store.records("write"))  # dependents never ran

    # Fix the cause (the key) and dispatch again: finished shards are skipped.
    monkeypatch.setenv("SYNTH_TEST_MISSING_KEY", "sk-test")
    jobs = enqueue_run(
        store,
        stages,
        config=config,
        queue_name=queue,
        connection=redis_conn,
        job_timeout_s=600,
    )
    assert {j.args[1] for j in jobs} == {"select", "write"}
    workers = _workers(queue, 1)
    try:
        wait_for(jobs, connection=redis_conn)
    finally:
        _stop(workers)
    assert store.stage_complete("write") and len(list(store.records("write"))) == 3
