"""Score rollouts through OpenRLHF 0.11.2's own reward-calling code (run by test_frameworks.py).

    python openrlhf_probe.py <reward_url_or_file> < cases.json > results.json

`SingleTurnAgentExecutor(remote_rm_url)` is what OpenRLHF's vLLM actors use for
`--remote_rm_url`: given a URL it POSTs `{"query", "prompts", "labels"}` with aiohttp; given a
`.py` file it loads `reward_func` with importlib and calls it from a thread. Its `execute()`
tokenises the prompt, asks the engine for a continuation, decodes prompt + response (special
tokens kept) into the query and fetches the reward. The engine is the one fake: a replay of
each case's scripted response (no LLM can run here). The tokenizer is a real byte-level BPE
trained here on the cases.
"""

from __future__ import annotations

import asyncio
import json
import sys
from types import SimpleNamespace

import torch
from openrlhf.utils.agent import SingleTurnAgentExecutor
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast


def make_tokenizer(texts: list[str]) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=800,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            special_tokens=["<|im_end|>"],
        ),
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|im_end|>")


class ReplayEngine:
    """Answers each prompt with its case's scripted response, token ids and all."""

    def __init__(self, tokenizer: PreTrainedTokenizerFast, cases: list[dict]) -> None:
        assert len({c["prompt"] for c in cases}) == len(cases), "each case needs its own prompt"
        self.by_prompt = {
            tuple(tokenizer(c["prompt"], add_special_tokens=False)["input_ids"]): tokenizer(
                c["response"], add_special_tokens=False
            )["input_ids"]
            + [tokenizer.eos_token_id]
            for c in cases
        }

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        ids = self.by_prompt[tuple(prompt_token_ids)]
        return SimpleNamespace(outputs=[SimpleNamespace(token_ids=ids, finish_reason="stop", logprobs=None)])


def main() -> None:
    target = sys.argv[1]
    cases = json.load(sys.stdin)
    tokenizer = make_tokenizer([c["prompt"] + c["response"] for c in cases])
    executor = SingleTurnAgentExecutor(target)
    engine = ReplayEngine(tokenizer, cases)
    params = SimpleNamespace(max_tokens=None, logprobs=None)

    async def run_all():
        return await asyncio.gather(
            *(executor.execute(c["prompt"], c["label"], params, 4096, tokenizer, engine) for c in cases)
        )

    outputs = asyncio.run(run_all())

    def plain(value):
        if isinstance(value, torch.Tensor):
            return value.flatten().tolist()
        return value

    json.dump(
        {
            "mode": "func" if executor.reward_func is not None else "http",
            "rewards": [plain(o["reward"]) for o in outputs],
            "scores": [plain(o["scores"]) for o in outputs],
            "extra_logs": [{k: plain(v) for k, v in o["extra_logs"].items()} for o in outputs],
            # what OpenRLHF's samples generator does with them: torch.tensor([reward])
            "as_tensor": [torch.tensor([o["reward"]]).flatten().tolist() for o in outputs],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
