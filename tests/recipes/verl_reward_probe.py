"""Score rollouts through verl 0.9.1's own reward path (run with the training-stack Python).

    python verl_reward_probe.py SPEC.json

SPEC: {"overrides": [hydra overrides...], "parquet": path, "responses": {task_id: {name: text}}}

For each row of the parquet (read by verl's RLHFDataset) and each response text, this builds the
DataProto a rollout produces (prompt + response token ids from a byte-level tokenizer, so the
decoded response is exactly the text), loads the reward manager the way verl's RewardLoopWorker
does (`load_reward_manager(config, tokenizer)`, which loads our reward function from
`reward.custom_reward_function.*`) and awaits its `run_single`. Prints {task_id: {name: result}}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: rl.check_config


def byte_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(ByteLevel.alphabet()))}
    vocab["<pad>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>")


def main() -> None:
    from omegaconf import OmegaConf
    from verl import DataProto
    from verl.trainer.ppo.reward import load_reward_manager
    from verl.utils.dataset.rl_dataset import RLHFDataset

    from rl.check_config import compose

    spec = json.loads(Path(sys.argv[1]).read_text())
    cfg = compose(spec["overrides"])
    tokenizer = byte_tokenizer()
    data_cfg = OmegaConf.create({"prompt_key": "prompt", "filter_overlong_prompts": False})
    dataset = RLHFDataset(data_files=[spec["parquet"]], tokenizer=tokenizer, config=data_cfg)
    manager = load_reward_manager(cfg, tokenizer)

    out: dict[str, dict[str, object]] = {}
    for i in range(len(dataset)):
        row = dataset[i]
        task_id = row["extra_info"]["task_id"]
        for name, text in spec["responses"].get(task_id, {}).items():
            prompt_ids = tokenizer.encode(row["raw_prompt"][-1]["content"])
            response_ids = tokenizer.encode(text)
            pad = 8  # right padding after the response, as in a padded rollout batch
            responses = torch.tensor([[*response_ids, *([tokenizer.pad_token_id] * pad)]])
            prompts = torch.tensor([prompt_ids])
            attention = torch.tensor([[1] * (len(prompt_ids) + len(response_ids)) + [0] * pad])
            data = DataProto.from_dict(
                tensors={"prompts": prompts, "responses": responses, "attention_mask": attention},
                non_tensors={
                    "data_source": np.array([row["data_source"]], dtype=object),
                    "reward_model": np.array([row["reward_model"]], dtype=object),
                    "extra_info": np.array([dict(row["extra_info"])], dtype=object),
                },
            )
            result = manager.loop.run_until_complete(manager.run_single(data))
            out.setdefault(task_id, {})[name] = {
                "reward_score": float(result["reward_score"]),
                "reward_extra_info": {k: float(v) for k, v in result["reward_extra_info"].items()},
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
