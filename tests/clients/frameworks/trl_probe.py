"""One real TRL GRPOTrainer step on CPU, rewarded by the judge (run by test_frameworks.py).

    python trl_probe.py <judge_url> <workdir> > result.json

The policy is a tiny random Llama made here (no download) over a vocabulary whose words are
whole answers: the correct program, a wrong one, and words with no code. Each completion is one
sampled token, so a step holds all three kinds. Both our rewards (sync and async) are passed to
`GRPOTrainer(reward_funcs=[...])`; TRL generates, calls them as it calls any reward, computes
advantages and takes an optimizer step. The probe reports what TRL logged.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
import trl
from datasets import Dataset
from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import GRPOConfig, GRPOTrainer
from xcoder_client.trl_reward import AsyncXCoderTRLReward, XCoderTRLReward

FENCE = "```"
PROMPT = "Add the two numbers on the line."
CORRECT = f"{FENCE}python\na, b = map(int, input().split())\nprint(a + b)\n{FENCE}"
WRONG = f"{FENCE}python\na, b = map(int, input().split())\nprint(a - b)\n{FENCE}"
NO_CODE = "The answer is their sum."
TESTS = {"inputs": ["1 2\n", "3 4\n", "10 -5\n", "0 0\n"], "outputs": ["3\n", "7\n", "5\n", "0\n"]}


def tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordLevel({"<eos>": 0, "<unk>": 1}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.add_special_tokens([AddedToken("<eos>", special=True)])
    tok.add_tokens([AddedToken(t, normalized=False) for t in (PROMPT, CORRECT, WRONG, NO_CODE)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<eos>", pad_token="<eos>", unk_token="<unk>"
    )


def main() -> None:
    judge_url, workdir = sys.argv[1], Path(sys.argv[2])
    torch.manual_seed(0)
    tok = tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=32,
        tie_word_embeddings=False,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=tok.eos_token_id,
    )
    model = LlamaForCausalLM(config)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    rows = [{"prompt": PROMPT, "tests": json.dumps(TESTS), "task_id": "add"}] * 4
    args = GRPOConfig(
        output_dir=str(workdir / "out"),
        per_device_train_batch_size=32,
        num_generations=8,
        max_completion_length=1,
        max_steps=1,
        learning_rate=1e-2,
        logging_steps=1,
        report_to="none",
        use_cpu=True,
        bf16=False,
        save_strategy="no",
        seed=0,
        temperature=1.0,
    )
    rewards = [
        XCoderTRLReward(judge_url, name="xcoder_sync"),
        AsyncXCoderTRLReward(judge_url, name="xcoder_async"),
    ]
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=rewards,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
    )
    trainer.train()
    logs = trainer._logs
    kinds = {CORRECT: "correct", WRONG: "wrong"}
    json.dump(
        {
            "trl": trl.__version__,
            "global_step": trainer.state.global_step,
            "names": trainer.reward_func_names,
            "kinds": [kinds.get(c.strip(), "no_code") for c in logs["completion"]],
            "rewards": {name: list(values) for name, values in logs["rewards"].items()},
            "metrics": sorted({k for entry in trainer.state.log_history for k in entry}),
            "extra": {k: list(v) for k, v in logs.get("extra", {}).items()},  # TRL 1.x log_extra
            "changed": any(not torch.equal(before[n], p.detach()) for n, p in model.named_parameters()),
            "pid": os.getpid(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
