"""pytest plugin: a live judge (real `xcoder-judge api` and `worker` processes on real Redis).

pytest loads it in every session where xcoder-judge is installed (a `pytest11` entry point in
services/judge/pyproject.toml), so a package whose tests need a live judge lists xcoder-judge in
its test extra and nothing else. Tests then ask for the session-scoped `live_judge` fixture:

    def test_sum(live_judge):
        r = httpx.post(f"{live_judge.url}/v1/submissions", json={...})

The processes, Redis databases and uid blocks come from `xcoder_judge.local_cluster` (no pytest
there, so benchmarks use it from a plain install); its names are re-exported here for tests.
`JudgeCluster` is the same machinery for tests that need their own processes (to kill a worker,
restart Redis, or change settings).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from xcoder_judge.local_cluster import (
    READY_TIMEOUT_S,
    TEST_DBS,
    UID_BLOCKS,
    JudgeCluster,
    RedisTarget,
    claim_redis,
    claim_uid_block,
    free_port,
    test_cache_dir,
)

__all__ = [
    "READY_TIMEOUT_S",
    "TEST_DBS",
    "UID_BLOCKS",
    "JudgeCluster",
    "LiveJudge",
    "RedisTarget",
    "claim_redis",
    "claim_uid_block",
    "free_port",
    "live_judge",
    "test_cache_dir",
]


@dataclass(frozen=True)
class LiveJudge:
    """What tests get: the API's base URL and the Redis it uses."""

    url: str
    redis_url: str
    cluster: JudgeCluster


@pytest.fixture(scope="session")
def judge_session_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="xcoder-judge-live-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def live_judge(judge_session_root: Path) -> Iterator[LiveJudge]:
    """A running judge (API + one worker with 2 slots) for the whole session."""
    target = claim_redis(judge_session_root)
    cluster = JudgeCluster(redis_url=target.url, root=judge_session_root / "live")
    try:
        cluster.start_worker(slots=2)
        cluster.start_api()
        cluster.wait_ready()
        yield LiveJudge(url=cluster.url, redis_url=target.url, cluster=cluster)
    finally:
        cluster.stop()
        target.release()
