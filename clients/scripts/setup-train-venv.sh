#!/usr/bin/env bash
# A CPU-only training-stack virtualenv: verl 0.9.1 + ms-swift 4.6.0 (which brings TRL 0.29) +
# OpenRLHF 0.11.2's Python code + CPU torch + xcoder-client (with xcoder-wire, the judge's models
# it depends on).
#
#   clients/scripts/setup-train-venv.sh [VENV_DIR]     (default: clients/.venv-train)
#
# For what needs the frameworks' own code without GPUs: the client tests that load the reward
# through verl's and ms-swift's loaders, and config validation of the training recipes.
# Idempotent: an existing venv that already imports verl, swift, xcoder_wire and xcoder_client is
# left alone.
# Measured on the dev machine (2 vCPU, PyPI + local torch wheel): ~100 s, ~2.3 GiB.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
clients="$(dirname "$here")"
wire="$(dirname "$clients")/wire"
venv="${1:-$clients/.venv-train}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3

# Torch: pinned to a version whose CPU wheel pip can find (this machine keeps one in its find-links);
# elsewhere point pip at a CPU wheel source (PIP_EXTRA_INDEX_URL) or the CUDA build gets pulled.
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
VERL_VERSION="${VERL_VERSION:-0.9.1}"
SWIFT_VERSION="${SWIFT_VERSION:-4.6.0}"
OPENRLHF_VERSION="${OPENRLHF_VERSION:-0.11.2}"

check() {
  "$venv/bin/python" - <<PY 2>/dev/null
import importlib.metadata as md, sys
import verl, swift, trl, xcoder_wire, xcoder_client, msgspec  # noqa: F401
import openrlhf.utils.agent  # noqa: F401
want = ("$VERL_VERSION", "$SWIFT_VERSION", "$OPENRLHF_VERSION")
sys.exit(0 if (md.version("verl"), md.version("ms-swift"), md.version("openrlhf")) == want else 1)
PY
}

# One creator at a time (test sessions may run side by side); a second caller waits, then finds
# the venv ready.
exec 9>"${TMPDIR:-/tmp}/xcoder-train-venv-setup.lock"
flock 9

if [ -x "$venv/bin/python" ] && check; then
  echo "train venv ready: $venv"
  exit 0
fi

start=$(date +%s)
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
# Torch first, pinned, so nothing below can swap in a CUDA build.
"$venv/bin/pip" install -q "torch==$TORCH_VERSION"
# msgspec: ms-swift 4.6's GRPO code (swift.rlhf_trainers.utils) imports it without declaring it
# (vLLM usually brings it in); without it `--reward_funcs` cannot even be resolved.
"$venv/bin/pip" install -q "torch==$TORCH_VERSION" "verl==$VERL_VERSION" "ms-swift==$SWIFT_VERSION" msgspec
# OpenRLHF without its dependencies: they pin CUDA-only packages (flash-attn, deepspeed, vllm). Its
# reward-calling code (openrlhf.utils.agent) needs only aiohttp, torch, transformers and pylatexenc.
"$venv/bin/pip" install -q --no-deps "openrlhf==$OPENRLHF_VERSION"
"$venv/bin/pip" install -q pylatexenc aiohttp
# The wire package first: the client depends on it by name.
"$venv/bin/pip" install -q -e "$wire" -e "$clients"
check || { echo "train venv at $venv does not import verl/swift/xcoder_wire/xcoder_client" >&2; exit 1; }
echo "train venv ready: $venv ($(( $(date +%s) - start )) s, $(du -sh "$venv" | cut -f1))"
