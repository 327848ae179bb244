#!/usr/bin/env bash
# Start or stop the Ray cluster that multi-node verl training runs on.
#
#   bash rl/ray_cluster.sh head                         # on the head node (then run rl/train_grpo.sh there)
#   HEAD_ADDR=10.0.0.1 bash rl/ray_cluster.sh worker    # on every other node
#   bash rl/ray_cluster.sh status | stop
#
# RAY_PORT defaults to 6380, not Ray's 6379: the judge's Redis usually owns 6379 on the head node.
# Start the cluster with the same Python environment (verl, vLLM, xcoder-client) on every node.
set -euo pipefail

RAY_PORT="${RAY_PORT:-6380}"
DASHBOARD_PORT="${DASHBOARD_PORT:-8265}"
NUM_GPUS="${NUM_GPUS:-}"   # default: Ray detects them

gpu_args=()
[ -n "$NUM_GPUS" ] && gpu_args=(--num-gpus "$NUM_GPUS")

command -v ray >/dev/null || { echo "ray_cluster.sh: 'ray' not on PATH (pip install 'ray[default]', comes with verl)" >&2; exit 2; }

case "${1:-}" in
  head)
    ray start --head --port="$RAY_PORT" --dashboard-host=0.0.0.0 --dashboard-port="$DASHBOARD_PORT" "${gpu_args[@]}"
    echo "head started; on each worker node: HEAD_ADDR=$(hostname -I 2>/dev/null | awk '{print $1}') bash rl/ray_cluster.sh worker"
    ;;
  worker)
    : "${HEAD_ADDR:?set HEAD_ADDR to the address of the head node}"
    ray start --address="$HEAD_ADDR:$RAY_PORT" "${gpu_args[@]}"
    ;;
  status) ray status ;;
  stop) ray stop ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
