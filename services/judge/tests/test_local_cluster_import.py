"""The benchmarks start judges from a plain install: `local_cluster` must not need pytest."""

from __future__ import annotations

import subprocess
import sys

_BLOCK_PYTEST = """
import sys
sys.modules["pytest"] = None  # `import pytest` now raises ImportError, as without the test extra
import xcoder_judge.local_cluster as lc
assert callable(lc.JudgeCluster) and callable(lc.claim_uid_block) and callable(lc.claim_redis)
try:
    import xcoder_judge.testing
except ImportError:
    print("testing needs pytest")
"""


def test_local_cluster_imports_without_pytest() -> None:
    done = subprocess.run([sys.executable, "-c", _BLOCK_PYTEST], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # The plugin itself still needs pytest (so the block above really took effect).
    assert done.stdout.strip() == "testing needs pytest"


def test_testing_reexports_the_cluster() -> None:
    import xcoder_judge.local_cluster as lc
    import xcoder_judge.testing as t

    assert t.JudgeCluster is lc.JudgeCluster
    assert t.claim_redis is lc.claim_redis
    assert t.free_port is lc.free_port
