"""One real `swift rlhf --rlhf_type grpo` step on CPU through rl/train_grpo_swift.sh (run by test_frameworks.py).

    python swift_grpo_probe.py <judge_url> <dataset.jsonl> <workdir> > result.json

The policy is a tiny Qwen2 made here (no download): a byte-level BPE trained on the dataset's
prompts, with three whole answers as single tokens (the correct program, a wrong one, and a
sentence with no code), and weights set so that those three, and nothing else, are likely
whatever the prompt. Each completion is one sampled token, so one step holds all three kinds.
The launch script runs swift with our plugin on the given file; the probe reports the
completions and rewards swift logged (`completions.jsonl`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

ROOT = Path(__file__).resolve().parents[3]
FENCE = "```"
ANSWERS = {
    "correct": f"{FENCE}python\na, b = map(int, input().split())\nprint(a + b)\n{FENCE}",
    "wrong": f"{FENCE}python\na, b = map(int, input().split())\nprint(a - b)\n{FENCE}",
    "no_code": "The answer is their sum.",
}


def make_model(out: Path, prompts: list[str]) -> None:
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        [*prompts, "system user assistant You are a helpful assistant."],
        trainers.BpeTrainer(
            vocab_size=600,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        ),
    )
    tok.add_tokens([AddedToken(a, normalized=False) for a in ANSWERS.values()])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.save_pretrained(out)
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(fast),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        tie_word_embeddings=False,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():  # the layers add nothing; one hidden unit is constant; it votes for the answers
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.embed_tokens.weight[:, 0] = 100.0
        model.model.norm.weight.zero_()
        model.model.norm.weight[0] = 1.0
        model.lm_head.weight.zero_()
        for answer in ANSWERS.values():
            model.lm_head.weight[fast.convert_tokens_to_ids(answer), 0] = 3.0
    model.save_pretrained(out)


def main() -> None:
    judge_url, dataset, workdir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    rows = [json.loads(line) for line in dataset.read_text().splitlines()]
    make_model(workdir / "model", [r["messages"][-1]["content"] for r in rows])
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "SWIFT": str(bindir / "swift"),
        "JUDGE_URL": judge_url,
        "MODEL": str(workdir / "model"),
        "DATASET": str(dataset),
        "OUTPUT_DIR": str(workdir / "out"),
        "NUM_GENERATIONS": "4",
        "PER_DEVICE_BATCH": "16",
        "MAX_COMPLETION_LENGTH": "1",
        "MAX_LENGTH": "128",
        "USE_VLLM": "false",
        "TORCH_DTYPE": "float32",
        "REPORT_TO": "none",
        "REWARD_SHAPE": "xcoder",
        "FORMAT_WEIGHT": "0.1",
        "LEARNING_RATE": "1e-2",
    }
    extra = ["--max_steps", "1", "--model_type", "qwen2", "--template", "qwen2_5", "--save_strategy", "no"]
    run = subprocess.run(
        ["bash", str(ROOT / "rl" / "train_grpo_swift.sh"), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if run.returncode != 0:
        sys.exit(
            f"train_grpo_swift.sh failed ({run.returncode}):\n{run.stderr[-4000:]}\n{run.stdout[-2000:]}"
        )
    [log] = sorted((workdir / "out").glob("*/completions.jsonl"))
    steps, seen = [], set()
    for line in log.read_text().splitlines():  # swift 4.6 writes each step's table twice
        record = json.loads(line)
        if tuple(record["step"]) not in seen:
            seen.add(tuple(record["step"]))
            steps.append(record)
    kinds = {text: kind for kind, text in ANSWERS.items()}
    json.dump(
        {
            "kinds": [kinds.get(c, "other") for s in steps for c in s["completion"]],
            "judge": [r for s in steps for r in s["XCoderJudgeReward"]],
            "format": [r for s in steps for r in s["XCoderCodeFormat"]],
            "logged": "rewards/XCoderJudgeReward/mean" in run.stdout + run.stderr,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
