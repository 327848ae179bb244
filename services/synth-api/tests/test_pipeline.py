"""Runs of the LLM stages (extract … testgen) against the replay server: every stage, parse
failures recorded with reasons, reruns that cost nothing, and resume after a kill mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from xcoder_synth.features.extract import SeedFeatures
from xcoder_synth.features.sample import FeatureConfig
from xcoder_synth.pipeline.config import load_config
from xcoder_synth.pipeline.runner import open_run, run_local, select_stages
from xcoder_synth.pipeline.stages import FeatureTreeRecord
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.solutions.sample import CandidateSet
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.testgen.models import TestPlan

from .conftest import run_config, write_config

LLM_STAGES = select_stages(stop="testgen")
CLI = [sys.executable, "-m", "xcoder_synth.cli"]


def _run_in_process(tmp_path: Path, url: str) -> RunStore:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = load_config(write_config(tmp_path, run_config(tmp_path, url)))
    store = open_run(config)
    run_local(store, config, LLM_STAGES, progress=False)
    return store


def _snapshot(store: RunStore) -> dict[str, list[str]]:
    """Every stage's records as sorted canonical JSON (order of completion does not matter)."""
    return {s: sorted(json.dumps(r, sort_keys=True) for r in store.records(s)) for s in LLM_STAGES}


def test_llm_stages_produce_typed_records_and_record_failures(replay, tmp_path):
    store = _run_in_process(tmp_path, replay.url)

    seeds = store.by_id("extract", SeedFeatures)
    assert set(seeds) == {"seed-grid", "seed-subarrays", "seed-deadlines"}
    [garbled] = [r for r in store.rejections("extract")]
    assert garbled.item_id == "seed-garbled" and garbled.reason == "parse_no_json"
    assert [a["reason"] for a in garbled.extra["attempts"]] == ["no_json", "no_json"]
    assert garbled.extra["provenance"]["prompt_id"] == "features.extract"

    tree = next(store.read("tree", FeatureTreeRecord))
    assert tree.seeds == 3 and tree.leaves > tree.base_leaves and len(tree.growth) == 2
    assert (store.artifacts / "feature_tree.json").exists()

    configs = list(store.read("configs", FeatureConfig))
    assert sorted(c.style for c in configs) == ["atcoder", "codeforces", "leetcode"]
    assert all(4 <= c.leaf_count <= 40 for c in configs)

    tasks = {t.title: t for t in store.read("write", TaskRecord)}
    assert set(tasks) == {"Lantern Row", "Balanced Window", "Top-K Average"}
    assert (
        tasks["Balanced Window"].style == "leetcode" and tasks["Balanced Window"].fn_name == "longestBalanced"
    )
    for t in tasks.values():
        assert t.provenance["select"].prompt_id == "tasks.select"
        assert t.provenance["write"].prompt_id == f"tasks.write.{t.style}"
        assert t.provenance["write"].sampling["top_p"] == 0.95
        assert t.features  # the selection stage resolved real features from the config
    assert len(list(store.read("decontam", TaskRecord))) == 3  # nothing overlaps the eval problems

    pools = list(store.read("solve", CandidateSet))
    assert sorted(len(p.candidates) for p in pools) == [6, 6, 6]
    plans = list(store.read("testgen", TestPlan))
    assert len(plans) == 3 and all(p.generator and p.validators for p in plans)

    stats = store.stats("solve")
    assert sum(s["usage"]["default"]["requests"] for s in stats) == 18


def test_rerun_costs_nothing_and_changes_nothing(replay, tmp_path):
    store = _run_in_process(tmp_path, replay.url)
    before = _snapshot(store)
    served = len(replay.state.log)
    for stage in LLM_STAGES:  # forget the outputs, keep the response cache
        store.clear(stage)
    config = load_config(tmp_path / "config.yaml")
    run_local(store, config, LLM_STAGES, progress=False)
    assert len(replay.state.log) == served
    assert _snapshot(store) == before
    assert sum(s["usage"]["default"]["cached"] for s in store.stats("solve")) == 18


def _admin(replay, path: str, body: dict | None = None) -> dict:
    return httpx.post(replay.url.replace("/v1", f"/_replay/{path}"), json=body or {}).json()


def _cache_entries(cache: Path) -> int:
    return sum(1 for _ in cache.glob("*/*.json"))


def test_resume_after_kill_mid_run(replay, tmp_path):
    # Reference: a clean run in its own directory and cache.
    reference = _snapshot(_run_in_process(tmp_path / "ref", replay.url))
    _admin(replay, "reset")

    work = tmp_path / "killed"
    work.mkdir()
    cfg_path = write_config(work, run_config(work, replay.url))
    cache = work / "run" / "llm-cache"
    held_after = 24  # the solve stage is under way by then
    _admin(replay, "gate", {"after": held_after})
    env = {**os.environ, "XCODER_SYNTH_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([*CLI, "run", str(cfg_path), "--to", "testgen", "--no-progress"], env=env)
    try:
        deadline = time.monotonic() + 120
        while True:  # wait until requests are held and every answered one is cached
            log = httpx.get(replay.url.replace("/v1", "/_replay/log")).json()
            if log["waiting"] >= 1 and _cache_entries(cache) == held_after:
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never reached the gate"
            time.sleep(0.05)
        answered_before_kill = {r["key"] for r in log["requests"]}
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    store = RunStore(work / "run")
    assert not store.stage_complete("solve")  # killed mid-stage

    _admin(replay, "reset")  # releases the held requests (their answers go nowhere)
    done = subprocess.run(
        [*CLI, "run", str(cfg_path), "--to", "testgen", "--no-progress"], env=env, timeout=300
    )
    assert done.returncode == 0
    asked_after = [r["key"] for r in httpx.get(replay.url.replace("/v1", "/_replay/log")).json()["requests"]]
    assert answered_before_kill.isdisjoint(asked_after)  # nothing paid twice
    assert _snapshot(store) == reference
    assert store.stage_complete("testgen")
