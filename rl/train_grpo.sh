#!/usr/bin/env bash
# GRPO with verl 0.9.1, rewarded by the X-Coder judge through xcoder_client.verl.
#
# Defaults reproduce the paper's Qwen2.5 run (X-Coder-SFT-Qwen2.5-7B → X-Coder-7B): 8 rollouts per
# prompt, batch 512, mini-batch 128, lr 4e-7, clip_ratio_high 0.28, no KL, 2500/30196 tokens,
# temperature 1.0, 3 epochs. PRESET=qwen3 gives the Qwen3-8B run (batch 128, lr 3e-7, KL loss 0.01,
# 2048/30720 tokens, 5 epochs). Every setting is an environment variable; any extra arguments are
# passed to verl as Hydra overrides and win over the script's (e.g. trainer.total_epochs=1).
#
#   JUDGE_URL=http://judge:8000 MODEL_PATH=/ckpt/x-coder-sft bash rl/train_grpo.sh
#   DRY_RUN=1 bash rl/train_grpo.sh        # compose + validate the config with verl's own code, no GPU
#   DRY_RUN=cfg bash rl/train_grpo.sh      # print the config as verl's main_ppo composes it (--cfg job)
#   DRY_RUN=args bash rl/train_grpo.sh     # print the Hydra overrides, one per line
#
# Multi-node: start a Ray cluster first (rl/ray_cluster.sh head|worker), then run this script on
# the head node with NNODES set. See docs/recipes.md ("RL") for the data and the judge.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

PRESET="${PRESET:-qwen2.5}"
case "$PRESET" in
  qwen2.5)
    : "${MODEL_PATH:=IIGroup/X-Coder-SFT-Qwen2.5-7B}"
    : "${TRAIN_BATCH_SIZE:=512}" "${LR:=4e-7}" "${USE_KL_LOSS:=False}" "${KL_LOSS_COEF:=0.0}"
    : "${MAX_PROMPT_LENGTH:=2500}" "${MAX_RESPONSE_LENGTH:=30196}" "${TOTAL_EPOCHS:=3}"
    ;;
  qwen3)
    : "${MODEL_PATH:=IIGroup/X-Coder-SFT-Qwen3-8B}"
    : "${TRAIN_BATCH_SIZE:=128}" "${LR:=3e-7}" "${USE_KL_LOSS:=True}" "${KL_LOSS_COEF:=0.01}"
    : "${MAX_PROMPT_LENGTH:=2048}" "${MAX_RESPONSE_LENGTH:=30720}" "${TOTAL_EPOCHS:=5}"
    ;;
  *) echo "train_grpo.sh: unknown PRESET '$PRESET' (qwen2.5 or qwen3)" >&2; exit 2 ;;
esac

# ---- data (python -m rl.convert ...); comma-separated files or folders of *.parquet
DATA_DIR="${DATA_DIR:-data/rl}"
TRAIN_FILES="${TRAIN_FILES:-$DATA_DIR/train}"
VAL_FILES="${VAL_FILES:-$DATA_DIR/val}"
DATA_SHUFFLE="${DATA_SHUFFLE:-True}"   # False keeps X-Coder's pass-rate order (a curriculum)

# ---- reward: the judge
JUDGE_URL="${JUDGE_URL:-${XCODER_CLIENT_JUDGE_URL:-http://127.0.0.1:8000}}"
JUDGE_CONCURRENCY="${JUDGE_CONCURRENCY:-16}"   # batch requests in flight per reward worker
REWARD_WORKERS="${REWARD_WORKERS:-8}"          # verl RewardLoopWorker actors
REWARD_FN_NAME="${REWARD_FN_NAME:-compute_score_async}"
REWARD_FN_PATH="${REWARD_FN_PATH:-}"
REWARD_SHAPE="${REWARD_SHAPE:-xcoder}"        # xcoder: 5 x fraction passed, -2 without code (paper) | fraction | binary
MAX_TESTS="${MAX_TESTS:-10}"                  # fixed per-task subset of tests per rollout (paper: 10)
JUDGE_TIME_LIMIT="${JUDGE_TIME_LIMIT:-10}"    # CPU seconds per test (X-Coder's judge: 10)
JUDGE_MEMORY_MB="${JUDGE_MEMORY_MB:-1024}"
ON_JUDGE_ERROR="${ON_JUDGE_ERROR:-raise}"     # raise: stop rather than score a judge outage as wrong | nan

# ---- algorithm / rollout
ROLLOUT_N="${ROLLOUT_N:-8}"
PPO_MINI_BATCH_SIZE="${PPO_MINI_BATCH_SIZE:-128}"
CLIP_RATIO_HIGH="${CLIP_RATIO_HIGH:-0.28}"
TEMPERATURE="${TEMPERATURE:-1.0}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-32768}"
ROLLOUT_TP="${ROLLOUT_TP:-1}"
GPU_MEMORY_UTILIZATION="${GPU_MEMORY_UTILIZATION:-0.85}"
ENFORCE_EAGER="${ENFORCE_EAGER:-True}"

# ---- cluster / bookkeeping
NNODES="${NNODES:-1}"
N_GPUS_PER_NODE="${N_GPUS_PER_NODE:-8}"
PROJECT_NAME="${PROJECT_NAME:-xcoder-rl}"
EXPERIMENT_NAME="${EXPERIMENT_NAME:-grpo-${PRESET}}"
CKPT_DIR="${CKPT_DIR:-checkpoints/$PROJECT_NAME/$EXPERIMENT_NAME}"
LOGGER="${LOGGER:-[console,wandb]}"
SAVE_FREQ="${SAVE_FREQ:-10}"
TEST_FREQ="${TEST_FREQ:-50}"
VAL_BEFORE_TRAIN="${VAL_BEFORE_TRAIN:-True}"

die() { echo "train_grpo.sh: $*" >&2; exit 2; }

# A Hydra quoted string: without quotes Hydra reads nan, inf, null, true, 1e3 ... as non-strings
# (ON_JUDGE_ERROR=nan became a float and the reward kwargs were rejected).
hq() { local v=${1//\\/\\\\}; v=${v//\'/\\\'}; printf "'%s'" "$v"; }

# "a.parquet,dir/" -> "['a.parquet','dir/x.parquet','dir/y.parquet']" (Hydra list; folders expanded, sorted)
hydra_files() {
  local what="$1" spec="$2" out="" item f found
  IFS=',' read -r -a items <<<"$spec"
  for item in "${items[@]}"; do
    [ -n "$item" ] || continue
    if [ -d "$item" ]; then
      found=0
      while IFS= read -r f; do out+="'$f',"; found=1; done < <(find "$item" -maxdepth 1 -name '*.parquet' | LC_ALL=C sort)
      [ "$found" = 1 ] || die "$what: no *.parquet in folder $item"
    elif [ -f "$item" ] || [ "${DRY_RUN:-0}" != 0 ]; then
      out+="'$item',"
    else
      die "$what: $item does not exist (convert the data first: python -m rl.convert --help)"
    fi
  done
  [ -n "$out" ] || die "$what is empty"
  printf "[%s]" "${out%,}"
}

if [ -z "$REWARD_FN_PATH" ]; then
  REWARD_FN_PATH="$("$PYTHON" -c 'import xcoder_client.verl as m; print(m.__file__)' 2>/dev/null)" \
    || die "cannot import xcoder_client.verl with $PYTHON: pip install xcoder-client (or -e clients), or set REWARD_FN_PATH"
fi
[ -f "$REWARD_FN_PATH" ] || die "REWARD_FN_PATH=$REWARD_FN_PATH is not a file"

TRAIN_LIST="$(hydra_files TRAIN_FILES "$TRAIN_FILES")"
VAL_LIST="$(hydra_files VAL_FILES "$VAL_FILES")"

ARGS=(
  algorithm.adv_estimator=grpo
  algorithm.use_kl_in_reward=False
  data.train_files="$TRAIN_LIST"
  data.val_files="$VAL_LIST"
  data.prompt_key=prompt
  data.train_batch_size="$TRAIN_BATCH_SIZE"
  data.max_prompt_length="$MAX_PROMPT_LENGTH"
  data.max_response_length="$MAX_RESPONSE_LENGTH"
  data.filter_overlong_prompts=True
  data.truncation=error
  data.shuffle="$DATA_SHUFFLE"
  actor_rollout_ref.model.path="$MODEL_PATH"
  actor_rollout_ref.model.use_remove_padding=True
  actor_rollout_ref.model.enable_gradient_checkpointing=True
  actor_rollout_ref.actor.optim.lr="$LR"
  actor_rollout_ref.actor.ppo_mini_batch_size="$PPO_MINI_BATCH_SIZE"
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1
  actor_rollout_ref.actor.use_dynamic_bsz=False
  actor_rollout_ref.actor.clip_ratio_high="$CLIP_RATIO_HIGH"
  actor_rollout_ref.actor.use_kl_loss="$USE_KL_LOSS"
  actor_rollout_ref.actor.kl_loss_coef="$KL_LOSS_COEF"
  actor_rollout_ref.actor.kl_loss_type=low_var_kl
  actor_rollout_ref.actor.entropy_coeff=0
  actor_rollout_ref.actor.fsdp_config.param_offload=False
  actor_rollout_ref.actor.fsdp_config.optimizer_offload=False
  actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=1
  actor_rollout_ref.ref.fsdp_config.param_offload=True
  actor_rollout_ref.rollout.name=vllm
  actor_rollout_ref.rollout.n="$ROLLOUT_N"
  actor_rollout_ref.rollout.temperature="$TEMPERATURE"
  actor_rollout_ref.rollout.tensor_model_parallel_size="$ROLLOUT_TP"
  actor_rollout_ref.rollout.gpu_memory_utilization="$GPU_MEMORY_UTILIZATION"
  actor_rollout_ref.rollout.max_model_len="$MAX_MODEL_LEN"
  actor_rollout_ref.rollout.max_num_batched_tokens=65536
  actor_rollout_ref.rollout.enforce_eager="$ENFORCE_EAGER"
  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=1
  reward.custom_reward_function.path="$REWARD_FN_PATH"
  reward.custom_reward_function.name="$REWARD_FN_NAME"
  reward.num_workers="$REWARD_WORKERS"
  +reward.custom_reward_function.reward_kwargs.judge_url="$(hq "$JUDGE_URL")"
  +reward.custom_reward_function.reward_kwargs.max_concurrency="$JUDGE_CONCURRENCY"
  +reward.custom_reward_function.reward_kwargs.reward="$(hq "$REWARD_SHAPE")"
  +reward.custom_reward_function.reward_kwargs.max_tests="$MAX_TESTS"
  +reward.custom_reward_function.reward_kwargs.time_limit_s="$JUDGE_TIME_LIMIT"
  +reward.custom_reward_function.reward_kwargs.memory_mb="$JUDGE_MEMORY_MB"
  +reward.custom_reward_function.reward_kwargs.on_judge_error="$(hq "$ON_JUDGE_ERROR")"
  trainer.logger="$LOGGER"
  trainer.project_name="$PROJECT_NAME"
  trainer.experiment_name="$EXPERIMENT_NAME"
  trainer.default_local_dir="$CKPT_DIR"
  trainer.nnodes="$NNODES"
  trainer.n_gpus_per_node="$N_GPUS_PER_NODE"
  trainer.save_freq="$SAVE_FREQ"
  trainer.test_freq="$TEST_FREQ"
  trainer.val_before_train="$VAL_BEFORE_TRAIN"
  trainer.total_epochs="$TOTAL_EPOCHS"
  trainer.critic_warmup=0
)

case "${DRY_RUN:-0}" in
  0) ;;
  1)  # verl's own Hydra config + validate_config + reward loading (rl/check_config.py)
    cd "$ROOT"
    exec "$PYTHON" -m rl.check_config "${ARGS[@]}" "$@" ;;
  cfg)  # main_ppo's Hydra entry point prints the composed job config and exits
    exec "$PYTHON" -m verl.trainer.main_ppo "${ARGS[@]}" "$@" --cfg job ;;
  args)
    printf '%s\n' "${ARGS[@]}" "$@"
    exit 0 ;;
  *) die "DRY_RUN must be 0, 1, cfg or args" ;;
esac

if [ "$NNODES" -gt 1 ]; then
  command -v ray >/dev/null || die "NNODES=$NNODES needs a Ray cluster, but 'ray' is not on PATH"
  ray status >/dev/null 2>&1 || die "NNODES=$NNODES: no Ray cluster reachable; start one with rl/ray_cluster.sh head / worker"
fi

# Fail early when the judge is down: every rollout would otherwise score 0 (or stall the reward loop).
"$PYTHON" - "$JUDGE_URL" <<'PY' || die "the judge at $JUDGE_URL is not ready (GET /readyz); start it first (docs/recipes.md)"
import sys
from xcoder_client import JudgeClient
with JudgeClient(sys.argv[1]) as c:
    sys.exit(0 if c.ready() else 1)
PY

export HYDRA_FULL_ERROR=1
export XCODER_CLIENT_JUDGE_URL="$JUDGE_URL"
exec "$PYTHON" -m verl.trainer.main_ppo "${ARGS[@]}" "$@"
