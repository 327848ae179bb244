"""Score rollouts through verl 0.9.1's own reward code (run by test_frameworks.py in the training venv).

    python verl_probe.py <judge_url> <compute_score|compute_score_async> < cases.json > results.json
    python verl_probe.py <judge_url> compute_score_prime < cases.json > results.json

Composes verl's `ppo_trainer` config with Hydra, builds the reward manager with verl's
`load_reward_manager` (which loads xcoder_client/verl.py by file path through
`get_custom_reward_fn`), and scores each case with `NaiveRewardManager.run_single` on a
DataProto, concurrently, as a RewardLoopWorker does. The tokenizer is a real byte-level BPE
trained here on the cases (no model hub access is needed).

`compute_score_prime` goes through verl's `PrimeRewardManager` instead (the legacy manager
PRIME uses): the function from `get_custom_reward_fn`, one padded batch, scored in verl's
process pool; the probe reads the reward tensor at each response's last token.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import numpy as np
import torch
import verl
import xcoder_client.verl as reward_module
from hydra import compose, initialize_config_dir
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast
from verl import DataProto
from verl.trainer.ppo.reward import load_reward_manager


def make_tokenizer(texts: list[str]) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<pad>"]
        ),
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>")


def verl_config(judge_url: str, fn_name: str):
    config_dir = str(Path(verl.__file__).parent / "trainer" / "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        return compose(
            "ppo_trainer",
            overrides=[
                f"reward.custom_reward_function.path={reward_module.__file__}",
                f"reward.custom_reward_function.name={fn_name}",
                f"+reward.custom_reward_function.reward_kwargs.judge_url={judge_url}",
                "+reward.custom_reward_function.reward_kwargs.reward=xcoder",
                "+reward.custom_reward_function.reward_kwargs.max_tests=10",
            ],
        )


def item(tokenizer, prompt: str, response: str, case: dict) -> DataProto:
    p = tokenizer(prompt)["input_ids"]
    r = tokenizer(response)["input_ids"]
    pad = 8  # right padding after the response, as in a real batch
    responses = torch.tensor([r + [tokenizer.pad_token_id] * pad])
    attention = torch.tensor([[1] * (len(p) + len(r)) + [0] * pad])
    return DataProto.from_dict(
        tensors={"prompts": torch.tensor([p]), "responses": responses, "attention_mask": attention},
        non_tensors={
            "data_source": np.array([case["data_source"]], dtype=object),
            "reward_model": np.array([{"style": "rule", "ground_truth": case["ground_truth"]}], dtype=object),
            "extra_info": np.array([case.get("extra_info", {})], dtype=object),
        },
    )


def prime(tokenizer, config, cases: list[dict]) -> dict:
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager.prime import PrimeRewardManager

    manager = PrimeRewardManager(tokenizer, num_examine=0, compute_score=get_custom_reward_fn(config))
    p = tokenizer("Solve the task.")["input_ids"]
    responses = [tokenizer(c["response"])["input_ids"] for c in cases]
    width = max(map(len, responses)) + 4
    pad = tokenizer.pad_token_id
    batch = DataProto.from_dict(
        tensors={
            "prompts": torch.tensor([p] * len(cases)),
            "responses": torch.tensor([r + [pad] * (width - len(r)) for r in responses]),
            "attention_mask": torch.tensor(
                [[1] * (len(p) + len(r)) + [0] * (width - len(r)) for r in responses]
            ),
        },
        non_tensors={
            "data_source": np.array([c["data_source"] for c in cases], dtype=object),
            "reward_model": np.array(
                [{"style": "rule", "ground_truth": c["ground_truth"]} for c in cases], dtype=object
            ),
            "extra_info": np.array([c.get("extra_info", {}) for c in cases], dtype=object),
        },
    )
    rewards = manager(batch)
    return {
        "manager": type(manager).__name__,
        "scores": [rewards[i, len(r) - 1].item() for i, r in enumerate(responses)],
        "acc": batch.batch["acc"].tolist(),
    }


def main() -> None:
    judge_url, fn_name = sys.argv[1], sys.argv[2]
    cases = json.load(sys.stdin)
    tokenizer = make_tokenizer([c["response"] for c in cases] + ["Solve the task."])
    config = verl_config(judge_url, fn_name)
    if fn_name == "compute_score_prime":
        json.dump(prime(tokenizer, config, cases), sys.stdout)
        return
    manager = load_reward_manager(config, tokenizer)
    items = [item(tokenizer, "Solve the task.", c["response"], c) for c in cases]

    async def score_all():
        return await asyncio.gather(*(manager.run_single(x) for x in items))

    outputs = manager.loop.run_until_complete(score_all())
    json.dump(
        {
            "manager": type(manager).__name__,
            "async": manager.is_async_reward_score,
            "decoded_roundtrip": all(
                tokenizer.decode(tokenizer(c["response"])["input_ids"]) == c["response"] for c in cases
            ),
            "scores": [o["reward_score"] for o in outputs],
            "extra_keys": [sorted(o["reward_extra_info"]) for o in outputs],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
