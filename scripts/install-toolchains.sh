#!/usr/bin/env bash
# Install the Debian packages for every judge language whose toolchain is missing.
#
#   scripts/install-toolchains.sh            install what is missing (quiet; log on failure)
#   scripts/install-toolchains.sh --check    list what is missing, install nothing (exit 1 if any)
#   scripts/install-toolchains.sh --only go,pypy3
#   scripts/install-toolchains.sh --clean    also remove apt lists afterwards (for Docker layers)
#
# Idempotent: a language whose tool is already on PATH (or, for Rust, in the cargo home) is left
# alone, and apt is not even updated when nothing is missing. Needs root, because it runs apt-get;
# used by scripts/setup.sh and by the worker Dockerfile.
set -euo pipefail

# language id | command that proves the toolchain is present | Debian package(s)
TOOLCHAINS=(
  "python3|python3|python3"
  "c|gcc|gcc"
  "cpp|g++|g++"
  "cpp|ld.mold|mold"  # the fast linker C and C++ programs use where present (engine/languages/linkers.py)
  "java|javac|default-jdk-headless"
  "javascript|node|nodejs"
  "go|go|golang-go"
  "pypy3|pypy3|pypy3"
  "rust|rustc|rustc"
  "typescript|tsc|node-typescript"
  "kotlin|kotlinc|kotlin"
  "scala|scalac|scala"
  "csharp|mcs|mono-mcs"
  "haskell|ghc|ghc"
  "pascal|fpc|fp-compiler"
  "ruby|ruby|ruby"
  "php|php|php-cli"
  "perl|perl|perl"
  "lua|lua5.4|lua5.4"
  "bash|bash|bash"
)

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

check_only=0
clean=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=1 ;;
    --clean) clean=1 ;;
    --only) only="${2:?--only needs a comma-separated list of language ids}"; shift ;;
    --only=*) only="${1#--only=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-toolchains: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

present() {
  local cmd="$1"
  if command -v "$cmd" >/dev/null 2>&1; then
    return 0
  fi
  # rustup installs into the cargo home, which is often not on root's PATH in scripts.
  if [ "$cmd" = rustc ] && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/rustc" ]; then
    return 0
  fi
  # Debian's golang-go puts go under /usr/lib/go-*/bin with a /usr/bin symlink; accept either.
  if [ "$cmd" = go ] && compgen -G "/usr/lib/go-*/bin/go" >/dev/null; then
    return 0
  fi
  return 1
}

wanted() {
  [ -z "$only" ] && return 0
  case ",$only," in *",$1,"*) return 0 ;; esac
  return 1
}

if [ -n "$only" ]; then
  known=",$(printf '%s\n' "${TOOLCHAINS[@]}" | cut -d'|' -f1 | paste -sd,),"
  IFS=',' read -ra requested <<<"$only"
  for lang in "${requested[@]}"; do
    case "$known" in *",$lang,"*) ;; *) echo "install-toolchains: unknown language '$lang'" >&2; exit 2 ;; esac
  done
fi

missing_langs=()
missing_pkgs=()
for entry in "${TOOLCHAINS[@]}"; do
  IFS='|' read -r lang cmd pkgs <<<"$entry"
  wanted "$lang" || continue
  if ! present "$cmd"; then
    missing_langs+=("$lang")
    # shellcheck disable=SC2206
    missing_pkgs+=($pkgs)
  fi
done

if [ ${#missing_langs[@]} -eq 0 ]; then
  echo "install-toolchains: every toolchain is present"
  exit 0
fi

if [ "$check_only" -eq 1 ]; then
  echo "install-toolchains: missing ${missing_langs[*]} (packages: ${missing_pkgs[*]})"
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-toolchains: missing ${missing_langs[*]}; installing needs root because it runs apt-get." >&2
  echo "  run it as root (sudo $0) or install: apt-get install ${missing_pkgs[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-toolchains: apt-get not found; this script supports Debian and Ubuntu only." >&2
  echo "  install by hand: ${missing_pkgs[*]}" >&2
  exit 1
fi

log="$(mktemp -t install-toolchains.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive

echo "install-toolchains: installing ${missing_pkgs[*]} for ${missing_langs[*]}"
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"; } >"$log" 2>&1; then
  echo "install-toolchains: apt-get failed; its log follows" >&2
  tail -n 40 "$log" >&2
  exit 1
fi

if [ "$clean" -eq 1 ]; then
  apt-get clean
  rm -rf /var/lib/apt/lists/*
fi

still_missing=()
for entry in "${TOOLCHAINS[@]}"; do
  IFS='|' read -r lang cmd _ <<<"$entry"
  wanted "$lang" || continue
  present "$cmd" || still_missing+=("$lang")
done
if [ ${#still_missing[@]} -gt 0 ]; then
  echo "install-toolchains: still missing after install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-toolchains: done (${missing_langs[*]})"
