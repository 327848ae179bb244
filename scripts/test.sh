#!/usr/bin/env bash
# Run the whole test suite: lint, then every package's tests against real Redis.
#
#   ./scripts/test.sh               everything
#   ./scripts/test.sh -k sandbox    extra arguments go to pytest
#
# Redis: reuses the server at 127.0.0.1:6379 when it answers, else starts one (installing
# redis-server first if needed). The tests use their own database numbers and flush them.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=$PWD/.venv
[ -x "$VENV/bin/pytest" ] || { echo "test: run ./scripts/setup.sh --test first" >&2; exit 1; }

redis_up() { "$VENV/bin/python" -c 'import redis,sys; redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()' >/dev/null 2>&1; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p /tmp/xcoder-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/xcoder-redis --logfile /tmp/xcoder-redis/redis.log
  for _ in $(seq 50); do redis_up && break; sleep 0.2; done
  redis_up || { echo "test: could not start Redis on 127.0.0.1:6379" >&2; exit 1; }
fi

echo "[test] ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

echo "[test] pytest"
exec "$VENV/bin/pytest" "$@"
