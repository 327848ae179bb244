"""The verl and ms-swift adapters through the frameworks' OWN loading and reward code.

These run in a separate CPU training venv (verl 0.9.1, ms-swift 4.6.0, CPU torch), made by
clients/scripts/setup-train-venv.sh (about two minutes the first time; reused afterwards;
XCODER_TRAIN_VENV points at another one). The probes score rollouts against the live judge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD, count_tests, fenced, passes_first

pytestmark = pytest.mark.slow

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
PROBES = Path(__file__).resolve().parent / "frameworks"


@pytest.fixture(scope="session")
def train_python() -> str:
    venv = Path(os.environ.get("XCODER_TRAIN_VENV", CLIENTS / ".venv-train"))
    setup = subprocess.run(
        [str(CLIENTS / "scripts" / "setup-train-venv.sh"), str(venv)],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert setup.returncode == 0, f"could not build the training venv:\n{setup.stdout}\n{setup.stderr}"
    return str(venv / "bin" / "python")


def probe(python: str, script: str, args: list[str], payload) -> dict:
    run = subprocess.run(
        [python, str(PROBES / script), *args],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=CLIENTS,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def verl_cases():
    task = json.dumps(count_tests(10))
    cases, expected = [], []
    for k in range(10, -1, -2):
        cases.append(
            {
                "data_source": "xcoder",
                "response": fenced(passes_first(k, delay=0.03 * k)),
                "ground_truth": task,
                "extra_info": {"task_id": "t1"},
            }
        )
        expected.append(5.0 * k / 10)
        cases.append(
            {
                "data_source": "xcoder",
                "response": "<think>```python\nprint(1)\n```</think> no answer",
                "ground_truth": task,
            }
        )
        expected.append(-2.0)
    return cases, expected


@pytest.mark.parametrize("fn_name", ["compute_score_async", "compute_score"])
def test_verl_loads_and_scores_through_its_own_reward_manager(train_python, live_judge, fn_name):
    cases, expected = verl_cases()
    out = probe(train_python, "verl_probe.py", [live_judge.url, fn_name], cases)
    assert out["manager"] == "NaiveRewardManager" and out["async"] is (fn_name == "compute_score_async")
    assert out["decoded_roundtrip"]
    assert out["scores"] == pytest.approx(expected)
    keys = {tuple(k) for k in out["extra_keys"]}
    assert keys == {
        (
            "acc",
            "checker_error",
            "compile_error",
            "format_ok",
            "judge_error",
            "pass_rate",
            "passed",
            "score",
            "total",
        )
    }


def test_verl_prime_manager_gets_floats_and_scores_each_row(train_python, live_judge):
    """verl's PrimeRewardManager keeps float(result) or result[0]: a dict made it score all rows 0."""
    cases, expected = verl_cases()
    out = probe(train_python, "verl_probe.py", [live_judge.url, "compute_score_prime"], cases)
    assert out["manager"] == "PrimeRewardManager"
    assert out["scores"] == pytest.approx(expected)
    assert out["acc"] == pytest.approx(expected)


def test_swift_plugin_registers_and_scores_through_its_own_reward_code(train_python, live_judge):
    tests = json.dumps(ADD_TESTS)
    rows = [
        {
            "messages": [{"role": "user", "content": "add"}, {"role": "assistant", "content": fenced(ADD)}],
            "tests": tests,
            "task_id": "add",
        },
        {
            "messages": [
                {"role": "user", "content": "add"},
                {"role": "assistant", "content": fenced(WRONG_ADD)},
            ],
            "tests": tests,
            "task_id": "add",
        },
        {
            "messages": [{"role": "user", "content": "add"}, {"role": "assistant", "content": "no idea"}],
            "tests": tests,
            "task_id": "add",
        },
        {"messages": [{"role": "user", "content": "chat"}, {"role": "assistant", "content": fenced(ADD)}]},
    ]
    out = probe(train_python, "swift_probe.py", [live_judge.url], rows)
    assert out["names"] == ["XCoderJudgeReward", "XCoderCodeFormat"]
    expected = [[1.0, 1.0], [0.25, 1.0], [0.0, 0.0], [None, 1.0]]  # a row without tests: None (NaN in swift)
    assert out["steps"] == [expected, expected]


def test_training_venv_has_no_cuda_torch(train_python):
    out = subprocess.run(
        [train_python, "-c", "import torch; print(torch.version.cuda)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "None", sys.version


def test_trl_grpo_trainer_takes_a_real_step_rewarded_by_the_judge(train_python, live_judge, tmp_path):
    """TRL's own GRPOTrainer (0.29, ms-swift's pin) calls both rewards; correct > wrong > no code."""
    out = probe(train_python, "trl_probe.py", [live_judge.url, str(tmp_path)], None)
    assert out["global_step"] == 1 and out["changed"], "no optimizer step was taken"
    assert out["names"] == ["xcoder_sync", "xcoder_async"]
    kinds = out["kinds"]
    assert len(kinds) == 32 and {"correct", "wrong", "no_code"} <= set(kinds)
    expected = {"correct": 1.0, "wrong": 0.25, "no_code": 0.0}  # fraction of ADD's 4 tests passed
    for name in out["names"]:
        assert out["rewards"][name] == [expected[k] for k in kinds], name
    assert {"rewards/xcoder_sync/mean", "rewards/xcoder_async/mean"} <= set(out["metrics"])
    if int(out["trl"].split(".")[0]) >= 1:  # TRL 1.x passes log_extra / log_metric (0.29 does not)
        verdicts = {"correct": "AC", "wrong": "WA", "no_code": "no_code"}
        assert out["extra"]["xcoder_async_verdict"] == [verdicts[k] for k in kinds]
        assert "xcoder_sync/acc" in out["metrics"]


def openrlhf_cases():
    def prompt(n: int) -> str:  # distinct prompts: the replay engine answers by prompt
        return f"<|im_start|>user\nTask {n}: add two numbers, e.g.\n```python\nprint(2)\n```<|im_end|>\n<|im_start|>assistant\n"

    label = json.dumps(ADD_TESTS)
    floats = json.dumps(
        {
            "tests": {"inputs": ["\n"], "outputs": ["0.3333333333\n"]},
            "checker": {"kind": "floats", "abs_tol": 1e-6},
        }
    )
    return [
        {"prompt": prompt(0), "response": fenced(ADD), "label": label},
        {"prompt": prompt(1), "response": fenced(WRONG_ADD), "label": label},
        {
            "prompt": prompt(2),
            "response": "No code, sorry.",
            "label": label,
        },  # the prompt's block is not judged
        {"prompt": prompt(3), "response": fenced('print("%.9f" % (1 / 3))\n'), "label": floats},
    ]


@pytest.mark.parametrize("mode", ["http", "func"])
def test_openrlhf_fetches_rewards_through_its_own_executor(train_python, live_judge, monkeypatch, mode):
    from xcoder_client.cli import _plugin_path
    from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions
    from xcoder_client.reward_server import make_server

    server = None
    if mode == "http":
        import threading

        server = make_server("127.0.0.1", 0, OpenRLHFRewardOptions(judge_url=live_judge.url))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        target = f"http://127.0.0.1:{server.server_address[1]}/get_reward"
    else:
        monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", live_judge.url)
        target = str(_plugin_path("openrlhf"))
    try:
        out = probe(train_python, "openrlhf_probe.py", [target], openrlhf_cases())
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    assert out["mode"] == mode
    flat = [r[0] if isinstance(r, list) else r for r in out["rewards"]]
    assert flat == [1.0, 0.25, 0.0, 1.0]
    assert [t[0] for t in out["as_tensor"]] == flat
    assert [s[0] if isinstance(s, list) else s for s in out["scores"]] == [1.0, 0.25, 0.0, 1.0]
    assert {"acc", "pass_rate", "format_ok"} <= set(out["extra_logs"][0])


def test_swift_grpo_step_reads_the_exported_file_and_scores_through_the_plugin(
    train_python, live_judge, tmp_path
):
    """verl rows → `python -m rl.convert swift` → rl/train_grpo_swift.sh → a real swift GRPO step."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from rl import convert

    rows = [
        {
            "data_source": "xcoder/test",
            "prompt": [{"role": "user", "content": f"Add the two numbers on the line (task {i})."}],
            "ability": "code",
            "reward_model": {"style": "rule", "ground_truth": json.dumps(ADD_TESTS)},
            "extra_info": {"task_id": f"add-{i}", "checker": json.dumps({"kind": "tokens"})},
        }
        for i in range(4)
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "rl.parquet")
    dataset = tmp_path / "swift.jsonl"
    assert convert.main(["swift", str(tmp_path / "rl.parquet"), "--out", str(dataset)]) == 0
    out = probe(train_python, "swift_grpo_probe.py", [live_judge.url, str(dataset), str(tmp_path)], None)
    kinds = out["kinds"]
    assert len(kinds) == 16 and {"correct", "wrong", "no_code"} <= set(kinds), kinds
    judge = {"correct": 5.0, "wrong": 1.25, "no_code": -2.0}  # xcoder: 5 x 4/4 > 5 x 1/4 ("0 0") > no code
    assert out["judge"] == [judge[k] for k in kinds]
    assert out["format"] == [0.0 if k == "no_code" else 1.0 for k in kinds]
    assert out["logged"]
