#!/usr/bin/env bash
# Build the three X-Coder images with podman from this checkout, on a Debian bookworm base made
# here with debootstrap: no image is pulled from any registry.
#
#   scripts/build-images.sh                 base (when missing) + judge-api, judge-worker, synth
#   scripts/build-images.sh judge-worker    only the named images (the base when missing)
#
# The base, localhost/xcoder/debian-python:bookworm, is a minbase debootstrap root with Debian's
# python3, python3-venv and python-is-python3, imported with `podman import`; it is rebuilt when
# its package list changes (a label holds a hash of it); so is localhost/xcoder/redis:bookworm (Debian's
# redis-server, for compose and kube play without a registry). The images are tagged
# localhost/xcoder/<name>:${XCODER_TAG:-0.1.0}, as docker-compose.yml expects. The build stages
# reach PyPI for the Python packages (--network host). Prints one line per image: name, seconds,
# size. Needs root, podman (buildah inside), debootstrap; $XCODER_DEPLOY_CACHE keeps debootstrap's
# package cache (default /var/cache/xcoder-deploy).
set -euo pipefail

cd "$(dirname "$0")/.."
# this machine's podman settings, unless the caller brings its own (see the file)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/tests/deploy/containers.conf}"
tag="${XCODER_TAG:-0.1.0}"
base="localhost/xcoder/debian-python:bookworm"
cache="${XCODER_DEPLOY_CACHE:-/var/cache/xcoder-deploy}"
mirror="${XCODER_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(judge-api judge-worker synth)
say() { echo "build-images: $*" >&2; }

for name in "${images[@]}"; do
  [ -f "docker/$name.Dockerfile" ] || { say "no docker/$name.Dockerfile"; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap; rootful podman)"; exit 1; }

base_packages=python3,python3-venv,python-is-python3,ca-certificates
key="$(echo "bookworm minbase $base_packages" | sha256sum | cut -c1-16)"
if [ "$(podman image inspect --format '{{index .Labels "xcoder.base-key"}}' "$base" 2>/dev/null)" != "$key" ]; then
  t0=$(date +%s)
  mkdir -p "$cache/debs"
  root="$(mktemp -d "$cache/base-XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  say "debootstrap bookworm base from $mirror"
  debootstrap --variant=minbase --cache-dir="$cache/debs" \
    --include="$base_packages" \
    bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; exit 1; }
  rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/log/"*.log "$root.log"
  tar -C "$root" --numeric-owner -c . | podman import \
    --change 'CMD ["python3"]' --change "LABEL xcoder.base-key=$key" \
    --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
  rm -rf "$root"
  trap - EXIT
  echo "$base $(( $(date +%s) - t0 )) s $(podman image inspect --format '{{.Size}}' "$base" | numfmt --to=iec)"
fi

# Redis for local runs (compose, kube play) without pulling redis:*-alpine: Debian's redis-server
# as uid 999 / gid 1000, the ids the chart's securityContext uses, with protected mode off as
# the official image has it (compose's Redis has no password and is reached over its network).
redis="localhost/xcoder/redis:bookworm"
if [ "$(podman image inspect --format '{{index .Labels "xcoder.base-key"}}' "$redis" 2>/dev/null)" != "$key-2" ]; then
  t0=$(date +%s)
  podman build --quiet --network host --pull=never --label "xcoder.base-key=$key-2" -t "$redis" -f - . >/dev/null <<EOF
FROM $base
RUN groupadd --system --gid 1000 redis \
 && useradd --system --uid 999 --gid 1000 --home-dir /var/lib/redis --shell /usr/sbin/nologin redis \
 && apt-get update && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* && install -d -o 999 -g 1000 /data
RUN printf '#!/bin/sh\\nif [ "\$1" = redis-server ]; then shift; exec redis-server --protected-mode no "\$@"; fi\\nexec "\$@"\\n' \
      >/usr/local/bin/redis-local && chmod 0755 /usr/local/bin/redis-local
WORKDIR /data
USER 999:1000
ENTRYPOINT ["/usr/local/bin/redis-local"]
CMD ["redis-server"]
EOF
  echo "$redis $(( $(date +%s) - t0 )) s $(podman image inspect --format '{{.Size}}' "$redis" | numfmt --to=iec)"
fi

# Where HTTPS goes through an intercepting proxy, the host's CA bundle knows the proxy's CA and
# the base image's does not: the RUN steps get the host's bundle and a pip.conf naming it, as
# build-time volumes (never part of an image layer). $XCODER_BUILD_CA_BUNDLE overrides the path.
ca="${XCODER_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
build_volumes=()
if [ -f "$ca" ]; then
  pipconf="$(mktemp)"
  trap 'rm -f "$pipconf"' EXIT
  printf '[global]\ncert = /run/xcoder-build-ca.crt\n' >"$pipconf"
  chmod 0644 "$pipconf"
  build_volumes=(--volume "$ca:/run/xcoder-build-ca.crt:ro" --volume "$pipconf:/etc/pip.conf:ro")
fi

for name in "${images[@]}"; do
  t0=$(date +%s)
  ref="localhost/xcoder/$name:$tag"
  podman build --quiet --format docker --network host --pull=never -f "docker/$name.Dockerfile" "${build_volumes[@]}" \
    --build-arg "PYTHON_IMAGE=$base" --build-arg "SANDBOX_PYTHON=/usr/bin/python3" -t "$ref" . >/dev/null
  echo "$ref $(( $(date +%s) - t0 )) s $(podman image inspect --format '{{.Size}}' "$ref" | numfmt --to=iec)"
done
