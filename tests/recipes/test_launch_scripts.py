"""rl/train_grpo.sh and sft/train_sft.sh, validated through verl 0.9.1's and ms-swift 4.6's own code.

No GPU: `DRY_RUN=1` composes verl's Hydra config from the installed verl's YAML with the script's
overrides, runs verl's validate_config and loads the reward through verl's loader; for swift it
parses the arguments with the parser `swift sft` builds and constructs SftArguments (stub model
config, bf16 check answered as on a GPU). `DRY_RUN=cfg` runs verl's real main_ppo entry point
with `--cfg job`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from rl import convert as rl_convert
from sft import convert as sft_convert

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rl_data(fixtures, tmp_path_factory):
    base = tmp_path_factory.mktemp("rl")
    rc = rl_convert.main(
        [
            "xcoder",
            str(fixtures / "xcoder_rl_part.parquet"),
            "--out-dir",
            str(base / "train"),
            "--holdout",
            "2",
            "--holdout-dir",
            str(base / "val"),
            "--no-progress",
        ]
    )
    assert rc == 0
    return base


@pytest.fixture(scope="module")
def sft_data(fixtures, tmp_path_factory):
    base = tmp_path_factory.mktemp("sft")
    qr, msgs = base / "qr.jsonl", base / "msgs.jsonl"
    assert (
        sft_convert.main(
            ["files", str(fixtures / "xcoder_sft_hybrid.parquet"), "--out", str(qr), "--no-progress"]
        )
        == 0
    )
    assert (
        sft_convert.main(
            [
                "files",
                str(fixtures / "synth_sft.jsonl"),
                "--format",
                "messages",
                "--out",
                str(msgs),
                "--no-progress",
            ]
        )
        == 0
    )
    return qr, msgs


def grpo_env(train_python, rl_data, **extra):
    return {
        "PYTHON": train_python,
        "DRY_RUN": "1",
        "DATA_DIR": str(rl_data),
        "JUDGE_URL": "http://judge.internal:8000",
        **extra,
    }


def test_scripts_are_valid_bash():
    for script in ("rl/train_grpo.sh", "rl/train_grpo_swift.sh", "rl/ray_cluster.sh", "sft/train_sft.sh"):
        assert subprocess.run(["bash", "-n", str(ROOT / script)]).returncode == 0, script


def test_grpo_defaults_compose_and_validate_in_verl(train_python, rl_data, fixtures, run_script):
    # our converted X-Coder data plus a SynthSmith RL export, as a folder and a file
    train = f"{rl_data / 'train'},{fixtures / 'synth_rl.parquet'}"
    r = run_script(
        "rl/train_grpo.sh", grpo_env(train_python, rl_data, TRAIN_FILES=train), "--probe-data", "10"
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "verl config OK" in out
    for line in (
        "algorithm.adv_estimator = grpo",
        "data.train_batch_size = 512",
        "actor_rollout_ref.rollout.n = 8",
        "actor_rollout_ref.actor.ppo_mini_batch_size = 128",
        "actor_rollout_ref.actor.optim.lr = 4e-07",
        "actor_rollout_ref.actor.clip_ratio_high = 0.28",
        "actor_rollout_ref.actor.use_kl_loss = False",
        "data.max_response_length = 30196",
        "reward.custom_reward_function.name = compute_score_async",
        "trainer.total_epochs = 3",
    ):
        assert line in out, line
    # verl will load the reward from the installed client's file, with the judge settings as kwargs
    assert "xcoder_client/verl.py" in out
    assert "'judge_url': 'http://judge.internal:8000'" in out
    assert "'reward': 'xcoder'" in out and "'max_tests': 10" in out
    # the converted parquet is read by verl's RLHFDataset and every ground truth parses
    assert "train/xcoder_rl_part.parquet: 3 rows read by RLHFDataset" in out
    assert "val/holdout.parquet: 2 rows read by RLHFDataset" in out
    assert "fixtures/synth_rl.parquet: 2 rows read by RLHFDataset" in out


def test_grpo_qwen3_preset_and_multi_node_settings(train_python, rl_data, run_script):
    env = grpo_env(train_python, rl_data, PRESET="qwen3", NNODES="2", N_GPUS_PER_NODE="8")
    r = run_script("rl/train_grpo.sh", env)
    assert r.returncode == 0, r.stderr[-3000:]
    for line in (
        "data.train_batch_size = 128",
        "actor_rollout_ref.actor.optim.lr = 3e-07",
        "actor_rollout_ref.actor.use_kl_loss = True",
        "data.max_prompt_length = 2048",
        "data.max_response_length = 30720",
        "trainer.nnodes = 2",
        "trainer.total_epochs = 5",
    ):
        assert line in r.stdout, line


def test_main_ppo_entry_point_composes_the_same_overrides(train_python, rl_data, run_script):
    r = run_script(
        "rl/train_grpo.sh", grpo_env(train_python, rl_data, DRY_RUN="cfg"), "trainer.total_epochs=1"
    )
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = yaml.safe_load(r.stdout)
    assert cfg["algorithm"]["adv_estimator"] == "grpo"
    assert cfg["actor_rollout_ref"]["rollout"]["n"] == 8
    assert cfg["actor_rollout_ref"]["rollout"]["name"] == "vllm"
    assert cfg["reward"]["custom_reward_function"]["name"] == "compute_score_async"
    assert (
        cfg["reward"]["custom_reward_function"]["reward_kwargs"]["judge_url"] == "http://judge.internal:8000"
    )
    assert cfg["reward"]["custom_reward_function"]["path"].endswith("xcoder_client/verl.py")
    # the legacy top-level key that main_ppo ignores stays unset
    assert cfg["custom_reward_function"]["path"] is None
    assert cfg["data"]["train_files"] == [str(rl_data / "train" / "xcoder_rl_part.parquet")]
    assert cfg["data"]["val_files"] == [str(rl_data / "val" / "holdout.parquet")]
    assert cfg["trainer"]["total_epochs"] == 1  # extra arguments win


def test_grpo_string_settings_stay_strings_for_hydra(train_python, rl_data, run_script):
    """ON_JUDGE_ERROR=nan was parsed by Hydra as a float and refused by the reward kwargs check."""
    r = run_script("rl/train_grpo.sh", grpo_env(train_python, rl_data, ON_JUDGE_ERROR="nan", DRY_RUN="cfg"))
    assert r.returncode == 0, r.stderr[-3000:]
    kwargs = yaml.safe_load(r.stdout)["reward"]["custom_reward_function"]["reward_kwargs"]
    assert kwargs["on_judge_error"] == "nan" and kwargs["reward"] == "xcoder"
    checked = run_script("rl/train_grpo.sh", grpo_env(train_python, rl_data, ON_JUDGE_ERROR="nan"))
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "'on_judge_error': 'nan'" in checked.stdout


CHECK_MANY = """
import contextlib, io, json, sys
from rl.check_config import main
results = []
for overrides in json.load(sys.stdin):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(overrides)
    results.append([rc, err.getvalue()])
print(json.dumps(results))
"""

MISTAKES = [
    (["custom_reward_function.path=/x.py"], "legacy reward keys set"),
    (["reward.custom_reward_function.reward_kwargs.extra=1"], "Could not override"),
    (["actor_rollout_ref.actor.ppo_mini_batch_size=1024"], "must be >= actor.ppo_mini_batch_size"),
    (["trainer.n_gpus_per_node=7"], "must be divisible by minimal possible batch size"),
    (["reward.custom_reward_function.name=score_everything"], "could not load the reward function"),
    (["++reward.custom_reward_function.reward_kwargs.reward=generous"], "reward_kwargs rejected"),
    (["++reward.custom_reward_function.reward_kwargs.max_test=3"], "reward_kwargs rejected"),
]


def test_grpo_config_mistakes_fail_the_check(train_python, rl_data, run_script):
    """Each mistake, added to the script's own overrides, is refused by verl's code or ours."""
    r = run_script("rl/train_grpo.sh", grpo_env(train_python, rl_data, DRY_RUN="args"))
    assert r.returncode == 0, r.stderr
    base = [line for line in r.stdout.splitlines() if line]
    cases = [base] + [base + extra for extra, _ in MISTAKES]  # the first must pass: the others are real
    run = subprocess.run(
        [train_python, "-c", CHECK_MANY],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results[0][0] == 0, results[0][1]
    for (extra, message), (rc, err) in zip(MISTAKES, results[1:], strict=True):
        assert rc == 1, extra
        assert message in err, (extra, err)


def test_grpo_refuses_missing_data(train_python, tmp_path, run_script):
    env = {"PYTHON": train_python, "TRAIN_FILES": str(tmp_path / "nothing"), "VAL_FILES": str(tmp_path)}
    r = run_script("rl/train_grpo.sh", env)
    assert r.returncode == 2
    assert "does not exist" in r.stderr or "no *.parquet" in r.stderr


def sft_env(train_python, sft_data, **extra):
    qr, msgs = sft_data
    return {"PYTHON": train_python, "DRY_RUN": "1", "DATASET": f"{qr},{msgs}", **extra}


def test_sft_arguments_parse_and_build_in_swift(train_python, sft_data, run_script):
    env = sft_env(
        train_python,
        sft_data,
        NNODES="2",
        NODE_RANK="1",
        MASTER_ADDR="10.0.0.1",
        MASTER_PORT="29511",
        NPROC_PER_NODE="8",
    )
    r = run_script(
        "sft/train_sft.sh", env, "--probe-data", "10", "--construct", "--stub-model", "--fake-gpu", "--json"
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    # swift's own torchrun arguments from the five environment variables
    assert (
        "-m torch.distributed.run --nproc_per_node 8 --master_port 29511 --nnodes 2 --node_rank 1 --master_addr 10.0.0.1"
        in out
    )
    parsed = json.loads(out.strip().splitlines()[-1])
    assert parsed["tuner_type"] == "full"
    assert parsed["num_train_epochs"] == 8
    assert parsed["max_length"] == 32768
    assert parsed["learning_rate"] == pytest.approx(5e-5)
    assert parsed["warmup_ratio"] == pytest.approx(0.03)
    assert parsed["weight_decay"] == pytest.approx(0.1)
    assert parsed["per_device_train_batch_size"] == 1 and parsed["gradient_accumulation_steps"] == 2
    assert parsed["deepspeed"].endswith("sft/ds_zero3_offload.json")
    assert parsed["model"] == "Qwen/Qwen2.5-Coder-7B-Instruct"
    # the converted files are read by swift's dataset loader as conversations
    assert "qr.jsonl: 4 rows read by swift's loader as messages" in out
    assert "msgs.jsonl: 5 rows read by swift's loader as messages" in out
    assert "SftArguments built: tuner_type=full, deepspeed ZeRO stage 3, bf16=True" in out


def test_sft_rejects_ms_swift_3_flags(train_python, sft_data, run_script):
    r = run_script("sft/train_sft.sh", sft_env(train_python, sft_data), "--train_type", "full")
    assert r.returncode == 1
    assert "does not know these arguments: ['--train_type', 'full']" in r.stderr


def test_sft_multi_node_needs_a_master_address(train_python, sft_data, run_script):
    r = run_script("sft/train_sft.sh", sft_env(train_python, sft_data, NNODES="2"))
    assert r.returncode == 2
    assert "needs MASTER_ADDR" in r.stderr


def test_sft_launches_swift_with_the_arguments(sft_data, tmp_path, run_script):
    """Without DRY_RUN the script execs `$SWIFT sft ...`; a recording stand-in shows what swift gets."""
    record = tmp_path / "argv.json"
    fake = tmp_path / "swift"
    fake.write_text(
        "#!/usr/bin/env python3\nimport json, os, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'env': {{k: os.environ.get(k) for k in "
        f"['NNODES','NODE_RANK','MASTER_ADDR','MASTER_PORT','NPROC_PER_NODE']}}}}, open({str(record)!r}, 'w'))\n"
    )
    fake.chmod(0o755)
    qr, msgs = sft_data
    r = run_script(
        "sft/train_sft.sh",
        {"SWIFT": str(fake), "DATASET": f"{qr},{msgs}", "NPROC_PER_NODE": "4"},
        "--seed",
        "7",
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(record.read_text())
    argv = got["argv"]
    assert argv[0] == "sft"
    assert argv[argv.index("--dataset") + 1 : argv.index("--dataset") + 3] == [str(qr), str(msgs)]
    assert argv[argv.index("--tuner_type") + 1] == "full"
    assert argv[-2:] == ["--seed", "7"]
    assert got["env"] == {
        "NNODES": "1",
        "NODE_RANK": "0",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "29500",
        "NPROC_PER_NODE": "4",
    }


def test_grpo_refuses_to_start_without_a_ready_judge(train_python, rl_data, run_script):
    """Before verl starts (and loads a model), the script asks the judge's /readyz."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    env = {"PYTHON": train_python, "DATA_DIR": str(rl_data), "JUDGE_URL": f"http://127.0.0.1:{port}"}
    r = run_script("rl/train_grpo.sh", env)
    assert r.returncode == 2
    assert f"the judge at http://127.0.0.1:{port} is not ready" in r.stderr


def test_grpo_multi_node_needs_a_ray_cluster(train_python, rl_data, run_script, tmp_path):
    import os

    env = {
        "PYTHON": train_python,
        "DATA_DIR": str(rl_data),
        "NNODES": "2",
        "PATH": f"{Path(train_python).parent}:{os.environ['PATH']}",
        "RAY_ADDRESS": "",
        "TMPDIR": str(tmp_path),  # no Ray session of another run on this machine can be found
        "RAY_TMPDIR": str(tmp_path),
    }
    r = run_script("rl/train_grpo.sh", env, timeout=300)
    assert r.returncode == 2
    assert "no Ray cluster reachable" in r.stderr


def test_swift_grpo_script_passes_the_plugin_and_its_settings(tmp_path, run_script):
    """DRY_RUN=args: the swift arguments, the plugin file of the installed client, no vLLM flag without vLLM."""
    import sys

    env = {"PYTHON": sys.executable, "DRY_RUN": "args", "USE_VLLM": "false", "NUM_GENERATIONS": "4"}
    r = run_script("rl/train_grpo_swift.sh", env, "--max_steps", "3")
    assert r.returncode == 0, r.stderr
    args = r.stdout.splitlines()
    assert args[:2] == ["--rlhf_type", "grpo"]
    plugin = args[args.index("--external_plugins") + 1]
    assert plugin.endswith("xcoder_client/plugins/xcoder_swift_plugin.py")
    at = args.index("--reward_funcs")
    assert args[at + 1 : at + 3] == ["xcoder_judge", "xcoder_code_format"]
    assert args[args.index("--num_generations") + 1] == "4" and "--vllm_mode" not in args
    assert args[-2:] == ["--max_steps", "3"]  # extra arguments come last and win


@pytest.mark.parametrize(
    "first_line",
    [
        '{"prompt": [{"role": "user", "content": "q"}], "reward_model": {"ground_truth": "{}"}}',
        '{"messages": [{"role": "user", "content": "q"}]}',
    ],
)
def test_swift_grpo_script_refuses_data_swift_or_the_plugin_cannot_read(tmp_path, run_script, first_line):
    import sys

    data = tmp_path / "rows.jsonl"
    data.write_text(first_line + "\n")
    r = run_script("rl/train_grpo_swift.sh", {"PYTHON": sys.executable, "DATASET": str(data)})
    assert r.returncode == 2 and "not a swift GRPO JSONL" in r.stderr
