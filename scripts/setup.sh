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
# python3-venv/dev for .venv, libseccomp2 for the sandbox filter, redis-server for the
# embedded Redis that `xcoder-judge serve` starts, iproute2 for tests that read addresses.
APT_PACKAGES=(python3 python3-venv python3-dev gcc g++ make libseccomp2 redis-server iproute2 ca-certificates)
if [ "$WANT_TEST" = 1 ]; then APT_PACKAGES+=(npm); fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
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
  "${PIP[@]}" -e "services/judge[test]" -e "clients[test]" -e "services/synth-api[test]"
  "${PIP[@]}" -r rl/requirements.txt -r sft/requirements.txt -r eval/requirements.txt ruff
  say "installing deployment-validation tools"
  PATH="$VENV/bin:$PATH" tests/deploy/install-tools.sh
  # verl 0.9.1 + ms-swift 4.6 on CPU (~2 min, ~2.3 GiB once): the reward and recipe tests load
  # our code through the frameworks' own loaders and parsers.
  say "preparing the training-stack venv (clients/.venv-train)"
  clients/scripts/setup-train-venv.sh
else
  say "installing packages"
  "${PIP[@]}" -e services/judge -e clients -e services/synth-api
fi

say "ready: $VENV ($("$VENV/bin/python" --version))"
