"""Check `swift sft` arguments with ms-swift's own code, without GPUs (what `DRY_RUN=1 sft/train_sft.sh` runs).

    python -m sft.check_args <swift sft arguments...> [--probe-data N] [--construct [--stub-model] [--fake-gpu]]

1. Prints the launch command `swift sft` would run (torchrun arguments from NPROC_PER_NODE,
   NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT, computed by swift's `get_torchrun_args`).
2. Parses the arguments with the parser `swift sft` builds (`HfArgumentParser(SftArguments)`):
   an unknown flag (e.g. 3.x's `--train_type`) or a bad value/choice fails here. ms-swift itself
   rejects leftover arguments the same way (`remaining_argv`).
3. `--probe-data N`: loads the first N rows of each `--dataset` file with swift's dataset loader
   (strict) and checks they become `messages` ending with an assistant turn.
4. `--construct`: builds `SftArguments` for real (its `__post_init__`: model type and template
   resolution, DeepSpeed config loading, TrainingArguments). It needs the model's config: locally
   or from the hub. `--stub-model` swaps `--model` for a stub Qwen2 config (no download; CI) and
   `--fake-gpu` answers "yes" to transformers' bf16-GPU check; the output dir is a temporary one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

STUB_QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "vocab_size": 1024,
    "max_position_embeddings": 32768,
    "rope_theta": 1000000.0,
    "torch_dtype": "bfloat16",
    "tie_word_embeddings": False,
}


class ArgsProblem(Exception):
    pass


def _swift_parser():
    from swift.arguments import SftArguments
    from swift.utils.utils import _patch_get_type_hints
    from transformers import HfArgumentParser

    with _patch_get_type_hints():
        return HfArgumentParser([SftArguments])


def torchrun_command(argv: list[str]) -> list[str]:
    from swift.cli.main import get_torchrun_args

    torchrun = get_torchrun_args()
    if torchrun is None:
        return ["python", "swift/cli/sft.py", *argv]
    return ["python", "-m", "torch.distributed.run", *torchrun, "swift/cli/sft.py", *argv]


def parse(argv: list[str]) -> argparse.Namespace:
    ns, remaining = _swift_parser().parse_known_args(argv)
    if remaining:
        raise ArgsProblem(f"swift sft does not know these arguments: {remaining}")
    return ns


def probe_data(datasets: list[str], rows: int) -> list[str]:
    from swift.dataset import load_dataset

    lines = []
    tmp = Path(tempfile.mkdtemp(prefix="swift-probe-"))
    for n, path in enumerate(datasets):
        if not Path(path).exists():
            raise ArgsProblem(f"--dataset {path} does not exist")
        if path.endswith(".jsonl"):
            # the first `rows` lines as they are (swift's `path#N` would resample N rows)
            head = tmp / f"{n}-{Path(path).name}"
            with open(path, encoding="utf-8") as src, head.open("w", encoding="utf-8") as dst:
                kept = 0
                for line in src:
                    if kept >= rows:
                        break
                    if line.strip():
                        dst.write(line)
                        kept += 1
            spec = str(head)
        else:
            spec = f"{path}#{rows}"
        train, _ = load_dataset([spec], strict=True)
        for i, row in enumerate(train):
            messages = row.get("messages") or []
            if not messages or messages[-1].get("role") != "assistant" or not messages[-1].get("content"):
                raise ArgsProblem(
                    f"{path} row {i}: swift read it as {messages!r:.200}, no final assistant turn"
                )
        lines.append(f"{path}: {len(train)} rows read by swift's loader as messages")
    return lines


def construct(argv: list[str], *, stub_model: bool, fake_gpu: bool):
    if fake_gpu:
        import transformers.training_args as training_args

        training_args.is_torch_bf16_gpu_available = lambda *a, **k: True
    from swift.arguments import SftArguments
    from swift.utils import parse_args

    argv = list(argv)
    tmp = tempfile.mkdtemp(prefix="swift-check-")

    def replace(flag: str, value: str) -> None:
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv.extend([flag, value])

    replace("--output_dir", str(Path(tmp) / "out"))
    if stub_model:
        model_dir = Path(tmp) / "stub-model"
        model_dir.mkdir()
        (model_dir / "config.json").write_text(json.dumps(STUB_QWEN2))
        replace("--model", str(model_dir))
        replace("--model_type", "qwen2")
        replace("--template", "qwen2_5")
    try:
        args, remaining = parse_args(SftArguments, argv)
    except Exception as exc:
        raise ArgsProblem(f"SftArguments rejected the arguments: {type(exc).__name__}: {exc}") from exc
    if remaining:
        raise ArgsProblem(f"swift sft does not know these arguments: {remaining}")
    return args


def main(argv: list[str] | None = None) -> int:
    own = argparse.ArgumentParser(
        prog="python -m sft.check_args", allow_abbrev=False, description=__doc__.split("\n\n")[0]
    )
    own.add_argument("--probe-data", type=int, default=0, metavar="N")
    own.add_argument("--construct", action="store_true")
    own.add_argument("--stub-model", action="store_true")
    own.add_argument("--fake-gpu", action="store_true")
    own.add_argument("--json", action="store_true", help="print the parsed arguments as JSON")
    ours, swift_argv = own.parse_known_args(argv)
    try:
        print("launch: " + " ".join(torchrun_command(swift_argv)))
        ns = parse(swift_argv)
        lines = [
            f"{k} = {getattr(ns, k)}"
            for k in (
                "model",
                "tuner_type",
                "dataset",
                "num_train_epochs",
                "max_length",
                "learning_rate",
                "warmup_ratio",
                "weight_decay",
                "per_device_train_batch_size",
                "gradient_accumulation_steps",
                "deepspeed",
                "torch_dtype",
                "attn_impl",
            )
        ]
        deepspeed = ns.deepspeed
        if isinstance(deepspeed, str) and deepspeed.endswith(".json"):
            if not Path(deepspeed).is_file():
                raise ArgsProblem(f"--deepspeed {deepspeed} does not exist")
            json.loads(Path(deepspeed).read_text())
        if ours.probe_data:
            lines += probe_data(list(ns.dataset), ours.probe_data)
        if ours.construct:
            args = construct(swift_argv, stub_model=ours.stub_model, fake_gpu=ours.fake_gpu)
            stage = (
                (args.deepspeed or {}).get("zero_optimization", {}).get("stage")
                if isinstance(args.deepspeed, dict)
                else None
            )
            lines.append(
                f"SftArguments built: tuner_type={args.tuner_type}, deepspeed ZeRO stage {stage}, "
                f"bf16={args.training_args.bf16}, world_size={os.environ.get('NNODES', '1')}x{os.environ.get('NPROC_PER_NODE', '1')}"
            )
    except ArgsProblem as exc:
        print(f"swift argument check FAILED: {exc}", file=sys.stderr)
        return 1
    print("swift sft arguments OK (parsed by ms-swift's own parser)")
    for line in lines:
        print("  " + line)
    if ours.json:
        print(
            json.dumps(
                {
                    k: v
                    for k, v in vars(ns).items()
                    if isinstance(v, (str, int, float, bool, list, type(None)))
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
