"""Converted X-Coder RL rows, scored through verl 0.9.1's own reward path with train_grpo.sh's settings.

The overrides are exactly the ones `rl/train_grpo.sh` passes (`DRY_RUN=args`); the probe
(verl_reward_probe.py, run in the training-stack venv) reads the converted parquet with verl's
RLHFDataset, builds the rollout DataProto and calls the reward manager verl's RewardLoopWorker
would build, which loads `xcoder_client.verl.compute_score_async` and asks the live judge.
Rewards use the paper's shape (`xcoder`: 5 × fraction passed, −2 without code).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from xcoder_client.testcases import parse_tests, select_tests, suite_key

from rl import convert as rl_convert

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "verl_reward_probe.py"


def fence(code: str) -> str:
    return f"<think>\nsolve it\n</think>\n\n```python\n{code}\n```"


ADD = "a, b = map(int, input().split())\nprint(a + b)"
ADD_DIGITS = (
    "class Solution:\n    def addDigits(self, num):\n        return 0 if num == 0 else 1 + (num - 1) % 9"
)
TWO_SUM = (
    "class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n"
    "        for i, x in enumerate(nums):\n            if target - x in seen:\n"
    "                return [seen[target - x], i]\n            seen[x] = i"
)
# right for n <= 6 only
SUM_SMALL = "n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs) if n <= 6 else 0)"

RESPONSES = {
    "syn-0001": {
        "right": fence(ADD),
        "wrong": fence("a, b = map(int, input().split())\nprint(a * b)"),
        "no_code": "<think>\nhmm\n</think>\n\nAdd the two numbers.",
        "truncated": "<think>\nok\n</think>\n\n```python\na, b = map(int, input().split())\n",
    },
    "syn-0002": {"partial": fence(SUM_SMALL)},
    "lc-0003": {"right": fence(ADD_DIGITS), "exit_early": fence("import sys\nsys.exit(0)\n" + ADD_DIGITS)},
    "lcb-0004": {"right": fence(TWO_SUM)},
}


@pytest.fixture(scope="module")
def rl_parquet(fixtures, tmp_path_factory):
    out = tmp_path_factory.mktemp("rl-e2e")
    assert (
        rl_convert.main(
            ["xcoder", str(fixtures / "xcoder_rl_part.parquet"), "--out-dir", str(out), "--no-progress"]
        )
        == 0
    )
    return out / "xcoder_rl_part.parquet"


def test_converted_rows_score_through_verls_reward_manager(
    train_python, rl_parquet, live_judge, run_script, tmp_path
):
    env = {
        "PYTHON": train_python,
        "DRY_RUN": "args",
        "TRAIN_FILES": str(rl_parquet),
        "VAL_FILES": str(rl_parquet),
        "JUDGE_URL": live_judge.url,
    }
    r = run_script("rl/train_grpo.sh", env)
    assert r.returncode == 0, r.stderr
    overrides = [line for line in r.stdout.splitlines() if line]
    assert f"+reward.custom_reward_function.reward_kwargs.judge_url='{live_judge.url}'" in overrides

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"overrides": overrides, "parquet": str(rl_parquet), "responses": RESPONSES}))
    run = subprocess.run(
        [train_python, str(PROBE), str(spec)], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr[-4000:]
    scores = json.loads(run.stdout.strip().splitlines()[-1])

    def score(task: str, name: str) -> float:
        return scores[task][name]["reward_score"]

    assert score("syn-0001", "right") == 5.0
    assert score("syn-0001", "wrong") == 0.0  # 1*2, 5*7, -3*3: all wrong
    assert score("syn-0001", "no_code") == -2.0
    assert score("syn-0001", "truncated") == -2.0  # an unterminated block is not judged
    assert score("lc-0003", "right") == 5.0
    assert score("lc-0003", "exit_early") == 0.0  # exiting before the asserts does not pass them
    assert score("lcb-0004", "right") == 5.0

    # partial credit over the fixed 10-test subset chosen for this task (max_tests=10)
    import pyarrow.parquet as pq

    row = next(r for r in pq.read_table(rl_parquet).to_pylist() if r["extra_info"]["task_id"] == "syn-0002")
    suite = parse_tests(row["reward_model"]["ground_truth"])
    subset = select_tests(suite, 10, key=suite_key(suite, "syn-0002"))
    small = sum(1 for t in subset.tests if int(t.input.split("\n")[0]) <= 6)
    assert 0 < small < 10
    assert score("syn-0002", "partial") == pytest.approx(5.0 * small / 10)
    extra = scores["syn-0002"]["partial"]["reward_extra_info"]
    assert extra["passed"] == small and extra["total"] == 10

    # every rollout reports the same diagnostic keys (verl requires uniform reward_extra_info)
    key_sets = {tuple(sorted(v["reward_extra_info"])) for task in scores.values() for v in task.values()}
    assert len(key_sets) == 1
