#!/usr/bin/env bash
# GRPO with ms-swift 4.6 (`swift rlhf --rlhf_type grpo`), rewarded by the X-Coder judge through
# our ms-swift plugin (xcoder_client/plugins/xcoder_swift_plugin.py).
#
# Data: flat JSONL rows {messages, tests, task_id, checker?, language?} made by
#   python -m rl.convert swift data/rl/train --out data/swift/train.jsonl
# or SynthSmith's artifacts/swift_grpo.jsonl. Defaults follow the paper's verl run where swift
# has the same knob (8 rollouts, lr 4e-7, no KL, temperature 1.0, 10-test subsets); every setting
# is an environment variable and extra arguments go to `swift rlhf` last and win.
#
#   JUDGE_URL=http://judge:8000 MODEL=/ckpt/x-coder-sft DATASET=data/swift/train.jsonl bash rl/train_grpo_swift.sh
#   DRY_RUN=args bash rl/train_grpo_swift.sh     # print the swift arguments, one per line
set -euo pipefail

PYTHON="${PYTHON:-python3}"
SWIFT="${SWIFT:-swift}"
MODEL="${MODEL:-IIGroup/X-Coder-SFT-Qwen2.5-7B}"
DATASET="${DATASET:-data/swift/train.jsonl}"          # comma-separated for several files
OUTPUT_DIR="${OUTPUT_DIR:-checkpoints/x-coder-grpo-swift}"

# ---- reward: the judge (the plugin reads XCODER_CLIENT_*)
JUDGE_URL="${JUDGE_URL:-${XCODER_CLIENT_JUDGE_URL:-http://127.0.0.1:8000}}"
REWARD_SHAPE="${REWARD_SHAPE:-xcoder}"     # xcoder: 5 x fraction, -2 without code | fraction | binary
MAX_TESTS="${MAX_TESTS:-10}"
JUDGE_TIME_LIMIT="${JUDGE_TIME_LIMIT:-10}"
JUDGE_MEMORY_MB="${JUDGE_MEMORY_MB:-1024}"
ON_JUDGE_ERROR="${ON_JUDGE_ERROR:-raise}"  # raise: stop the step | none: leave the rollout unscored
FORMAT_WEIGHT="${FORMAT_WEIGHT:-0}"        # weight of xcoder_code_format (0: judge reward only)

# ---- algorithm / rollout
NUM_GENERATIONS="${NUM_GENERATIONS:-8}"
PER_DEVICE_BATCH="${PER_DEVICE_BATCH:-8}"  # completions per device per step (a multiple of NUM_GENERATIONS)
GRAD_ACCUM="${GRAD_ACCUM:-1}"
LEARNING_RATE="${LEARNING_RATE:-4e-7}"
BETA="${BETA:-0.0}"
EPSILON_HIGH="${EPSILON_HIGH:-0.28}"
TEMPERATURE="${TEMPERATURE:-1.0}"
MAX_LENGTH="${MAX_LENGTH:-2500}"           # prompt tokens
MAX_COMPLETION_LENGTH="${MAX_COMPLETION_LENGTH:-30196}"
NUM_TRAIN_EPOCHS="${NUM_TRAIN_EPOCHS:-3}"
USE_VLLM="${USE_VLLM:-true}"
VLLM_MODE="${VLLM_MODE:-colocate}"
TORCH_DTYPE="${TORCH_DTYPE:-bfloat16}"
TUNER_TYPE="${TUNER_TYPE:-full}"
LOGGING_STEPS="${LOGGING_STEPS:-1}"
SAVE_STEPS="${SAVE_STEPS:-50}"
REPORT_TO="${REPORT_TO:-tensorboard}"

die() { echo "train_grpo_swift.sh: $*" >&2; exit 2; }

IFS=',' read -r -a DATASETS <<<"$DATASET"
if [ "${DRY_RUN:-0}" = 0 ]; then
  for d in "${DATASETS[@]}"; do
    [ -f "$d" ] || die "dataset $d not found (python -m rl.convert swift --help)"
    # the one shape swift + our plugin read; a verl parquet or a `prompt` column fails later and worse
    "$PYTHON" - "$d" <<'PY' || die "$d is not a swift GRPO JSONL (make it with: python -m rl.convert swift ...)"
import json, sys
with open(sys.argv[1], encoding="utf-8") as fh:
    row = json.loads(fh.readline())
sys.exit(0 if isinstance(row.get("messages"), list) and "tests" in row and "prompt" not in row else 1)
PY
  done
fi

PLUGIN="$("$PYTHON" -m xcoder_client.cli plugin-path swift 2>/dev/null)" \
  || die "cannot import xcoder_client with $PYTHON: pip install xcoder-client (or -e clients)"

ARGS=(
  --rlhf_type grpo
  --model "$MODEL"
  --tuner_type "$TUNER_TYPE"
  --torch_dtype "$TORCH_DTYPE"
  --dataset "${DATASETS[@]}"
  --split_dataset_ratio 0
  --external_plugins "$PLUGIN"
  --reward_funcs xcoder_judge xcoder_code_format
  --reward_weights 1.0 "$FORMAT_WEIGHT"
  --num_generations "$NUM_GENERATIONS"
  --per_device_train_batch_size "$PER_DEVICE_BATCH"
  --gradient_accumulation_steps "$GRAD_ACCUM"
  --learning_rate "$LEARNING_RATE"
  --beta "$BETA"
  --epsilon_high "$EPSILON_HIGH"
  --temperature "$TEMPERATURE"
  --max_length "$MAX_LENGTH"
  --max_completion_length "$MAX_COMPLETION_LENGTH"
  --num_train_epochs "$NUM_TRAIN_EPOCHS"
  --use_vllm "$USE_VLLM"
  --output_dir "$OUTPUT_DIR"
  --logging_steps "$LOGGING_STEPS"
  --save_steps "$SAVE_STEPS"
  --log_completions true
  --report_to "$REPORT_TO"
)

if [ "$USE_VLLM" = true ]; then ARGS+=(--vllm_mode "$VLLM_MODE"); fi  # swift refuses it without vLLM

# The plugin's settings (swift passes reward functions no options).
export XCODER_CLIENT_JUDGE_URL="$JUDGE_URL"
export XCODER_CLIENT_REWARD="$REWARD_SHAPE"
export XCODER_CLIENT_MAX_TESTS="$MAX_TESTS"
export XCODER_CLIENT_TIME_LIMIT_S="$JUDGE_TIME_LIMIT"
export XCODER_CLIENT_MEMORY_MB="$JUDGE_MEMORY_MB"
case "$ON_JUDGE_ERROR" in
  raise|none) export XCODER_CLIENT_ON_JUDGE_ERROR="$ON_JUDGE_ERROR" ;;
  *) die "ON_JUDGE_ERROR must be raise or none" ;;
esac

case "${DRY_RUN:-0}" in
  0) ;;
  args) printf '%s\n' "${ARGS[@]}" "$@"; exit 0 ;;
  *) die "DRY_RUN must be 0 or args" ;;
esac

# Fail early when the judge is down: swift would stop at the first step's reward.
"$PYTHON" - "$JUDGE_URL" <<'PY' || die "the judge at $JUDGE_URL is not ready (GET /readyz); start it first"
import sys
from xcoder_client import JudgeClient
with JudgeClient(sys.argv[1]) as c:
    sys.exit(0 if c.ready() else 1)
PY

exec "$SWIFT" rlhf "${ARGS[@]}" "$@"
