"""`xcoder-judge serve`, the README's first command: everything on one machine, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from xcoder_judge.service.embedded_redis import EmbeddedRedis
from xcoder_judge.testing import claim_uid_block, free_port

pytestmark = pytest.mark.slow

README_SUBMISSION = {
    "language": "python3",
    "source": "print(sum(map(int, input().split())))",
    "tests": [{"input": "1 2", "expected": "3"}],
}


def test_serve_starts_redis_api_and_worker_and_stops_them_on_ctrl_c(tmp_path: Path):
    tmp_path.chmod(0o755)
    base, lock = claim_uid_block()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XCODER_JUDGE_")}
    env |= {
        "XCODER_JUDGE_CACHE_DIR": str(tmp_path / "cache"),
        "XCODER_JUDGE_WORK_DIR": str(tmp_path / "work"),
        "XCODER_JUDGE_SANDBOX_UID": str(base),
        "XCODER_JUDGE_LANGUAGES": "python3",
        "XCODER_JUDGE_SLOTS": "1",
    }
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "xcoder_judge.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while "serve: ready" not in log_path.read_text(errors="replace"):
            assert serve.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        r = httpx.post(f"{url}/v1/submissions", json=README_SUBMISSION, timeout=60)
        assert r.status_code == 200 and r.json()["result"]["verdict"] == "AC"
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=120) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
        lock.release()
    log = log_path.read_text()
    assert "exiting: SIGTERM; drained" in log  # the worker was drained, not killed
    assert "serve: exiting: SIGINT" in log
    # Redis is gone too: its data directory can be locked by a new server.
    with EmbeddedRedis(tmp_path / "cache" / "redis") as again:
        assert again.alive()
