#!/usr/bin/env bash
# Full-parameter SFT with ms-swift 4.6 on X-Coder data (python -m sft.convert ...).
#
# Defaults are the paper's run (Qwen2.5-Coder-7B-Instruct → X-Coder-SFT-Qwen2.5-7B): 8 epochs,
# 32k context, lr 5e-5 cosine, warmup 0.03, weight decay 0.1, per-device batch 1, gradient
# accumulation 2, bf16, DeepSpeed ZeRO-3 with CPU offload (sft/ds_zero3_offload.json), flash-attn.
# The paper trained on 8 nodes x 8 GPUs (global batch 128). Every setting is an environment
# variable; extra arguments go to `swift sft` last and win.
#
# Single node (all local GPUs):
#   MODEL=Qwen/Qwen2.5-Coder-7B-Instruct DATASET=data/sft/hybrid_376k.jsonl bash sft/train_sft.sh
# Multi-node: on every node, same command with
#   NNODES=8 NODE_RANK=<0..7> MASTER_ADDR=<node 0 address> MASTER_PORT=29500 NPROC_PER_NODE=8
# Check the arguments with swift's own parser, no GPU needed:
#   DRY_RUN=1 bash sft/train_sft.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
SWIFT="${SWIFT:-swift}"

MODEL="${MODEL:-Qwen/Qwen2.5-Coder-7B-Instruct}"
DATASET="${DATASET:-data/sft/hybrid_376k.jsonl}"   # comma-separated for several files
OUTPUT_DIR="${OUTPUT_DIR:-checkpoints/x-coder-sft}"
NUM_TRAIN_EPOCHS="${NUM_TRAIN_EPOCHS:-8}"
MAX_LENGTH="${MAX_LENGTH:-32768}"
LEARNING_RATE="${LEARNING_RATE:-5e-5}"
LR_SCHEDULER="${LR_SCHEDULER:-cosine}"
WARMUP_RATIO="${WARMUP_RATIO:-0.03}"
WEIGHT_DECAY="${WEIGHT_DECAY:-0.1}"
PER_DEVICE_BATCH="${PER_DEVICE_BATCH:-1}"
GRAD_ACCUM="${GRAD_ACCUM:-2}"
DEEPSPEED="${DEEPSPEED:-$ROOT/sft/ds_zero3_offload.json}"   # or a swift preset name: zero2, zero3, ...
ATTN_IMPL="${ATTN_IMPL:-flash_attn}"
TRUNCATION="${TRUNCATION:-delete}"       # rows longer than MAX_LENGTH are dropped, not cut
SAVE_STEPS="${SAVE_STEPS:-400}"
SAVE_TOTAL_LIMIT="${SAVE_TOTAL_LIMIT:-10}"
LOGGING_STEPS="${LOGGING_STEPS:-20}"
DATALOADER_WORKERS="${DATALOADER_WORKERS:-4}"
DATASET_NUM_PROC="${DATASET_NUM_PROC:-8}"
REPORT_TO="${REPORT_TO:-tensorboard}"

# torchrun through swift: these five are read by `swift sft` itself (swift/cli/main.py).
if [ -z "${NPROC_PER_NODE:-}" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    NPROC_PER_NODE="$(nvidia-smi -L | wc -l)"
  else
    NPROC_PER_NODE=8
  fi
fi
export NPROC_PER_NODE
export NNODES="${NNODES:-1}"
export NODE_RANK="${NODE_RANK:-0}"
export MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}"
export MASTER_PORT="${MASTER_PORT:-29500}"
if [ "$NNODES" -gt 1 ] && [ "$MASTER_ADDR" = 127.0.0.1 ]; then
  echo "train_sft.sh: NNODES=$NNODES needs MASTER_ADDR (node 0's address) on every node" >&2
  exit 2
fi

IFS=',' read -r -a DATASETS <<<"$DATASET"
if [ "${DRY_RUN:-0}" = 0 ]; then
  for d in "${DATASETS[@]}"; do
    [ -e "$d" ] || { echo "train_sft.sh: dataset $d not found (python -m sft.convert --help)" >&2; exit 2; }
  done
fi

# NCCL settings the paper's multi-node run used; harmless on one node.
export TORCH_NCCL_ASYNC_ERROR_HANDLING="${TORCH_NCCL_ASYNC_ERROR_HANDLING:-1}"
export NCCL_IB_TIMEOUT="${NCCL_IB_TIMEOUT:-60}"
export NCCL_IB_RETRY_CNT="${NCCL_IB_RETRY_CNT:-7}"

ARGS=(
  --model "$MODEL"
  --tuner_type full
  --dataset "${DATASETS[@]}"
  --split_dataset_ratio 0
  --output_dir "$OUTPUT_DIR"
  --num_train_epochs "$NUM_TRAIN_EPOCHS"
  --max_length "$MAX_LENGTH"
  --truncation_strategy "$TRUNCATION"
  --torch_dtype bfloat16
  --learning_rate "$LEARNING_RATE"
  --lr_scheduler_type "$LR_SCHEDULER"
  --warmup_ratio "$WARMUP_RATIO"
  --weight_decay "$WEIGHT_DECAY"
  --max_grad_norm 1.0
  --per_device_train_batch_size "$PER_DEVICE_BATCH"
  --gradient_accumulation_steps "$GRAD_ACCUM"
  --deepspeed "$DEEPSPEED"
  --attn_impl "$ATTN_IMPL"
  --gradient_checkpointing true
  --lazy_tokenize true
  --dataset_num_proc "$DATASET_NUM_PROC"
  --dataloader_num_workers "$DATALOADER_WORKERS"
  --save_steps "$SAVE_STEPS"
  --save_total_limit "$SAVE_TOTAL_LIMIT"
  --save_only_model true
  --logging_steps "$LOGGING_STEPS"
  --report_to "$REPORT_TO"
  --ddp_backend nccl
)

if [ "${DRY_RUN:-0}" = 1 ]; then
  cd "$ROOT"
  exec "$PYTHON" -m sft.check_args "${ARGS[@]}" "$@"
fi
exec "$SWIFT" sft "${ARGS[@]}" "$@"
