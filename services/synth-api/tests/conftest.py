"""Fixtures of the xcoder-synth tests: the replay server, a Redis DB, run configs.

Real parts only: a local OpenAI-compatible replay server (authored recordings, no model, no
network), real Redis (DB 12 on 127.0.0.1:6379, flushed around each test that uses it) and the
real judge through the session-scoped ``live_judge`` fixture of ``xcoder_judge.testing``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from xcoder_synth.settings import get_settings
from xcoder_synth.testing.replay import ReplayServer, load_rules

FIXTURES = Path(__file__).parent / "fixtures"
REDIS_DB = 12
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(scope="session")
def recordings() -> list:
    return load_rules([FIXTURES / "recordings"])


@pytest.fixture
def replay(recordings) -> Iterator[ReplayServer]:
    with ReplayServer(recordings) as server:
        yield server


@pytest.fixture
def redis_conn(monkeypatch) -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(REDIS_URL)
    conn.flushdb()
    monkeypatch.setenv("XCODER_SYNTH_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    yield conn
    conn.flushdb()
    conn.close()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch, tmp_path) -> Iterator[None]:
    monkeypatch.setenv("XCODER_SYNTH_DATA_DIR", str(tmp_path / "synth-data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def endpoint(url: str, **sampling: Any) -> dict[str, Any]:
    return {
        "base_url": url,
        "model": "replay-model",
        "max_retries": 3,
        "backoff_s": 0.01,
        "backoff_max_s": 0.05,
        "timeout_s": 60,
        "sampling": {"temperature": 0.7, "top_p": 0.95, "max_tokens": 4096, "seed": 0, **sampling},
    }


def run_config(
    tmp_path: Path, llm_url: str, judge_url: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """The small end-to-end config the recordings were authored for (three tasks, one per style)."""
    cfg: dict[str, Any] = {
        "name": "fixture-run",
        "output_dir": str(tmp_path / "run"),
        "seeds": str(FIXTURES / "seeds.jsonl"),
        "eval_problems": str(FIXTURES / "eval_problems.jsonl"),
        "shards": 2,
        "concurrency": 8,
        "llm": {
            "endpoints": {"default": endpoint(llm_url)},
            "solve": [{"endpoint": "default", "samples": 6}],
        },
        "judge": {"url": judge_url or "http://127.0.0.1:9", "max_concurrency": 4, "timeout_s": 600},
        "features": {
            "evolution": {"rounds": 1, "per_round": 2},
            "sampling": {"count": 3, "shapes": [[3, 2, 2]], "min_leaves": 4, "max_leaves": 40},
        },
        "tasks": {
            "styles": {"codeforces": 1, "leetcode": 1, "atcoder": 1},
            "min_selected": 2,
            "max_selected": 40,
        },
        "testgen": {
            "plan": {"prompted_count": 6, "validator_samples": 2},
            "materialize": {"random_count": 8, "max_count": 1, "min_inputs": 5},
        },
        "verify": {"min_candidates": 4, "min_tests": 5, "limits": {"time_s": 2, "memory_mb": 512}},
    }
    for key, value in overrides.items():
        cfg[key] = value
    return cfg


def write_config(tmp_path: Path, cfg: dict[str, Any]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path
