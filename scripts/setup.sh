#!/usr/bin/env bash
# Set up X-Coder on a Debian machine: system packages, language toolchains, and .venv.
#
#   ./scripts/setup.sh          what running the judge and SynthSmith needs
#   ./scripts/setup.sh --test   also everything the test suite needs (test extras, recipe and
#                               deployment-validation tools)
#
# Idempotent and quiet: a second run only checks. System packages need root (or sudo); without
# them the judge still runs, with the languages and isolation the machine already has.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
WANT_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WANT_TEST=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
can_apt() { command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; }

# --- system packages ---------------------------------------------------------------------
# What each need is checked by (a command, or a library for the sandbox filter), and the Debian
# package that provides it when it is missing: a tool installed another way (say Node.js and npm
# from NodeSource) is left alone. redis-server backs the embedded Redis of `xcoder-judge serve`.
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
NEEDS=(
  "python3 -c 'import venv, ensurepip'|python3-venv"
  "command -v gcc|gcc"
  "command -v g++|g++"
  "command -v make|make"
  "have_lib libseccomp.so.2|libseccomp2"
  "command -v redis-server|redis-server"
  "command -v ip|iproute2"
)
if [ "$WANT_TEST" = 1 ]; then
  # npm: Helm binaries for tests/deploy; debootstrap + qemu: the cgroup v2 VM (tests/deploy/vm);
  # chromium: the offline /docs screenshot test
  # podman, buildah, runc, netavark, aardvark-dns, iptables, catatonit (kube play's pause
  # container): the images built and run
  # (tests/deploy/test_images_run.py, scripts/deploy-check.sh)
  NEEDS+=("command -v npm|npm" "command -v debootstrap|debootstrap" "command -v qemu-system-x86_64|qemu-system-x86"
          "command -v chromium|chromium" "command -v podman|podman" "command -v buildah|buildah"
          "command -v runc|runc" "test -x /usr/lib/podman/netavark|netavark"
          "test -x /usr/lib/podman/aardvark-dns|aardvark-dns" "command -v iptables|iptables"
          "command -v catatonit|catatonit")
fi
missing=()
for need in "${NEEDS[@]}"; do
  check=${need%%|*}
  eval "$check" >/dev/null 2>&1 || missing+=("${need##*|}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if can_apt; then
    say "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "warning: cannot install ${missing[*]} (no root/sudo or apt); continuing with what is here"
  fi
fi

# --- language toolchains -----------------------------------------------------------------
if can_apt; then
  $SUDO "$ROOT/scripts/install-toolchains.sh"
else
  "$ROOT/scripts/install-toolchains.sh" --check || say "warning: some language toolchains are missing (see above)"
fi

# --- Python environment ------------------------------------------------------------------
PY=""
for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    PY=$(command -v "$candidate"); break
  fi
done
[ -n "$PY" ] || { echo "setup: Python 3.10+ is required" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $PY"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

if [ "$WANT_TEST" = 1 ]; then
  say "installing packages with test extras"
  # CPU torch first, pinned (the version this machine keeps a CPU wheel of; elsewhere set
  # PIP_EXTRA_INDEX_URL to a CPU wheel source), so the embed extra of xcoder-synth (near-duplicate
  # detection, in its test extra) cannot pull a CUDA build.
  "${PIP[@]}" "torch==${TORCH_VERSION:-2.13.0}"
  # wire first: the others depend on it by name, and pip finds it here rather than on an index.
  "${PIP[@]}" -e "wire[test]" -e "services/judge[test]" -e "clients[test]" -e "services/synth-api[test]"
  "${PIP[@]}" -r rl/requirements.txt -r sft/requirements.txt -r eval/requirements.txt ruff
  say "installing deployment-validation tools"
  PATH="$VENV/bin:$PATH" tests/deploy/install-tools.sh
  # verl 0.9.1 + ms-swift 4.6 on CPU (~2 min, ~2.3 GiB once): the reward and recipe tests load
  # our code through the frameworks' own loaders and parsers.
  say "preparing the training-stack venv (clients/.venv-train)"
  clients/scripts/setup-train-venv.sh
else
  say "installing packages"
  "${PIP[@]}" -e wire -e services/judge -e clients -e services/synth-api
fi

say "ready: $VENV ($("$VENV/bin/python" --version))"
