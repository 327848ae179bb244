#!/usr/bin/env bash
# Prove the deployment files for real on this machine: build the images, run them under podman
# with the chart's security context, bring up docker-compose.yml with podman-compose, play the
# chart's rendered manifests with `podman kube play`, and run the judge on cgroup v2 in a VM.
#
#   scripts/deploy-check.sh                      every stage
#   scripts/deploy-check.sh images containers    only these stages (in this order)
#   XCODER_CHECK_SUITE_K='hostile/'              the suite stage's pytest -k selection
#
# Stages: images (scripts/build-images.sh), containers, suite (the suite's hostile and
# reward_hacking groups inside the worker image), compose, kube, vm (python -m tests.deploy.cgroup_vm),
# and, only when named, vm-suite (the whole hostile and reward_hacking groups in the cgroup v2 VM:
# an hour or more under emulation; XCODER_VM_SUITE_TIME_SCALE sets the factor on the suite's
# limits, docs/deployment.md). Everything started is removed again, also on failure. The transcript
# goes to stdout; the exit status is that of the first failing stage. Needs root, podman,
# buildah, crun, podman-compose, debootstrap, qemu-system-x86 (docs/deployment.md, "Run for real").
set -euo pipefail

cd "$(dirname "$0")/.."
# this machine's podman settings, unless the caller brings its own (see the file)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/tests/deploy/containers.conf}"
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
TAG="${XCODER_TAG:-0.1.0}"
P=localhost/xcoder
NET=xcoder-check
PORT="${XCODER_CHECK_PORT:-18000}"
CAPS=(SYS_ADMIN SETUID SETGID KILL DAC_OVERRIDE)   # = helm values judge.worker.sandbox.capabilities
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(images containers suite compose kube vm)

say() { printf '\n\033[1m[deploy-check]\033[0m %s\n' "$*"; }
cleanup_containers() {
  podman rm -f -t 5 xcoder-check-worker xcoder-check-api xcoder-check-redis >/dev/null 2>&1 || true
  podman network rm -f "$NET" >/dev/null 2>&1 || true
}

# The worker exactly as the chart's securityContext runs it: uid 0, capabilities dropped except
# the six, seccomp Unconfined (the chart's default), read-only root, emptyDirs as tmpfs, a private
# cgroup namespace, not privileged.
worker_flags() {
  local caps=("$@") flags=(--user 0:0 --cap-drop ALL --read-only --security-opt seccomp=unconfined
    --cgroupns private --tmpfs "/run/xcoder-judge:rw,exec,size=2g" --tmpfs "/var/cache/xcoder-judge:rw,exec,size=6g"
    --tmpfs "${WORKER_TMP:-/tmp:rw,size=256m}")
  local c
  for c in "${caps[@]}"; do flags+=(--cap-add "$c"); done
  printf '%s\n' "${flags[@]}"
}

stage_images() {
  say "images: scripts/build-images.sh (debootstrap base, podman build, no registry pulls)"
  scripts/build-images.sh
  podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^localhost/xcoder/'
  .venv/bin/hadolint --config docker/.hadolint.yaml docker/*.Dockerfile && echo "hadolint: clean"
}

stage_containers() {
  trap cleanup_containers RETURN
  cleanup_containers
  say "containers: redis, judge API (uid 10001, no capabilities) and the worker (chart securityContext)"
  podman network create "$NET" >/dev/null
  podman run -d --name xcoder-check-redis --network "$NET" --read-only --cap-drop ALL \
    --security-opt no-new-privileges "$P/redis:bookworm" redis-server --save "" --appendonly no >/dev/null
  podman run -d --name xcoder-check-api --network "$NET" --user 10001:10001 --read-only --cap-drop ALL \
    --security-opt no-new-privileges --tmpfs /tmp:size=64m -p "127.0.0.1:$PORT:8000" \
    -e XCODER_JUDGE_REDIS_URL=redis://xcoder-check-redis:6379/0 -e XCODER_JUDGE_API_WORKERS=1 \
    "$P/judge-api:$TAG" api >/dev/null
  mapfile -t wflags < <(worker_flags "${CAPS[@]}")
  podman run -d --name xcoder-check-worker --network "$NET" "${wflags[@]}" \
    -e XCODER_JUDGE_REDIS_URL=redis://xcoder-check-redis:6379/0 -e XCODER_JUDGE_SLOTS=2 \
    "$P/judge-worker:$TAG" >/dev/null
  podman exec xcoder-check-worker xcoder-judge check || true
  "$PY" tests/deploy/smoke.py "http://127.0.0.1:$PORT" --workers 1
  podman logs xcoder-check-worker 2>&1 | tail -n 5

  say "containers: each documented capability removed in turn must stop the worker, naming it"
  local missing rest out rc
  for missing in "${CAPS[@]}"; do
    rest=()
    for c in "${CAPS[@]}"; do [ "$c" = "$missing" ] || rest+=("$c"); done
    mapfile -t wflags < <(worker_flags "${rest[@]}")
    rc=0
    out="$(podman run --rm --network none "${wflags[@]}" "$P/judge-worker:$TAG" 2>&1)" || rc=$?
    if [ "$rc" = 78 ] && grep -q "lacks CAP_$missing " <<<"$out"; then
      echo "without $missing: exit $rc: $(grep 'lacks' <<<"$out")"
    else
      echo "without $missing: expected exit 78 naming CAP_$missing, got exit $rc: $out" >&2
      return 1
    fi
  done
}

# The project's own hostile and reward-hacking cases (services/judge/tests/suite), judged by the
# suite's test (test_suite.py: verdicts, bait files, listener, leftover processes) inside the
# worker image with exactly the worker's security context above. The checkout is mounted
# read-only at /xcoder-suite/src (outside /opt/xcoder, which the sandbox shows read-only for the
# venv); pytest comes from a --target directory built here (pure Python, cached). /tmp is an
# exec tmpfs there, as a Kubernetes emptyDir is: the suite's engines work under it.
# On a cgroup v1 host (this machine) the container has no writable cgroup: slots run on rlimits,
# so the cases only a cgroup can pass are left to the v2 VM (stage vm) and named here: the
# tree's memory, CPU time of threads, MLE (not RE) for allocation failures, and the runtimes
# whose address-space reservations exceed RLIMIT_AS (Go, Java, Node.js).
SUITE_SITE="$ROOT/.cache/deploy-tools/suite-site"
SUITE_NEEDS_CGROUP="memory_bomb_cpp or memory_mmap_noreserve_c or memory_tree_c or threads_burn_cpu_c or _go or _java or _javascript"
SUITE_K="${XCODER_CHECK_SUITE_K:-hostile/ or reward_hacking/}"
cleanup_suite() { podman rm -f -t 5 xcoder-check-suite >/dev/null 2>&1 || true; }
stage_suite() {
  trap cleanup_suite RETURN
  cleanup_suite
  if [ ! -f "$SUITE_SITE/.complete" ]; then
    rm -rf "$SUITE_SITE"
    "$PY" -m pip install -q --disable-pip-version-check --target "$SUITE_SITE" pytest pytest-timeout
    touch "$SUITE_SITE/.complete"
  fi
  mapfile -t wflags < <(WORKER_TMP="/tmp:rw,exec,size=3g" worker_flags "${CAPS[@]}")
  local k="$SUITE_K" check
  check="$(podman run --rm "${wflags[@]}" "$P/judge-worker:$TAG" xcoder-judge check 2>&1 || true)"
  if grep -q "no usable cgroup hierarchy" <<<"$check"; then
    k="($SUITE_K) and not ($SUITE_NEEDS_CGROUP)"
    echo "suite: the container has no writable cgroup here (rlimits); left to the v2 VM: $SUITE_NEEDS_CGROUP"
  fi
  say "suite: test_suite.py -k '$k' in the worker image (chart securityContext, uid 0, ${#CAPS[@]} capabilities)"
  podman run --rm --name xcoder-check-suite "${wflags[@]}" \
    -v "$ROOT:/xcoder-suite/src:ro" -v "$SUITE_SITE:/xcoder-suite/site:ro" \
    -e PYTHONPATH=/xcoder-suite/site -w /xcoder-suite/src "$P/judge-worker:$TAG" \
    python -m pytest -p no:cacheprovider -q -o addopts="--import-mode=importlib -ra" \
    services/judge/tests/test_suite.py -k "$k"
}

PC="$ROOT/.cache/deploy-tools/podman-compose/bin/podman-compose"
compose() {
  XCODER_REDIS_IMAGE="$P/redis:bookworm" XCODER_JUDGE_PORT="$PORT" XCODER_SYNTH_PORT=$((PORT + 100)) \
    "$PC" -p xcoder-check -f docker-compose.yml "$@"
}
compose_leftovers() {
  podman ps -aq --filter label=io.podman.compose.project=xcoder-check | wc -l
}
compose_down() {
  compose down -v -t 10 >/dev/null 2>&1 || true
  # podman-compose 1.6 on podman 4.3 leaves scaled replicas (judge-worker_2) and so their pod,
  # volumes and networks: remove those by the project's label
  podman pod ps -q --filter label=com.docker.compose.project=xcoder-check | xargs -r podman pod rm -f >/dev/null 2>&1 || true
  podman pod rm -f pod_xcoder-check >/dev/null 2>&1 || true
  podman ps -aq --filter label=io.podman.compose.project=xcoder-check | xargs -r podman rm -f >/dev/null 2>&1 || true
  podman volume ls -q --filter label=io.podman.compose.project=xcoder-check | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  podman network ls -q --filter label=io.podman.compose.project=xcoder-check | xargs -r podman network rm -f >/dev/null 2>&1 || true
}

stage_compose() {
  # Debian's podman-compose 1.0.3 leaves ${VAR:-} with an empty default uninterpolated (the API
  # would require the literal key "${XCODER_JUDGE_API_KEYS:-}") and ignores `cgroup:` and pids
  # limits; 1.6.0 from PyPI handles docker-compose.yml as written.
  if [ ! -x "$PC" ]; then
    python3 -m venv "${PC%/bin/*}"
    "${PC%/podman-compose}/pip" install -q --disable-pip-version-check podman-compose==1.6.0
  fi
  trap compose_down RETURN
  compose_down
  say "compose: $("$PC" version | tail -n 1); up: redis, judge-api, 2 x judge-worker (images built above)"
  compose up -d --scale judge-worker=2 redis judge-api judge-worker
  compose ps
  "$PY" tests/deploy/smoke.py "http://127.0.0.1:$PORT" --workers 2
  compose down -v -t 30 >/dev/null 2>&1 || true
  echo "compose down: $(compose_leftovers) container(s) left (podman-compose does not remove scaled replicas)"
  compose_down
  echo "after removing by label: $(compose_leftovers) container(s), $(podman network ls -q | grep -c xcoder-check) network(s) left"
  [ "$(compose_leftovers)" = 0 ]
}

KUBE_DIR="$(mktemp -d)"
kube_down() {
  if [ -f "$KUBE_DIR/play.yaml" ]; then podman kube down "$KUBE_DIR/play.yaml" >/dev/null 2>&1 || true; fi
  podman volume rm -f tmp work cache >/dev/null 2>&1 || true
  podman rm -f -t 5 xcoder-kube-redis >/dev/null 2>&1 || true
  podman network rm -f xcoder-kube >/dev/null 2>&1 || true
}

stage_kube() {
  # `podman kube play` runs Pods, Deployments, ConfigMaps and Secrets; it has no Services (the
  # pods share one podman network with DNS instead), HPAs, NetworkPolicies, PDBs, StatefulSets or
  # service accounts: those stay validated by schema (tests/deploy/test_helm.py). Redis is
  # therefore the chart's external-Redis case, a container on the same network.
  trap kube_down RETURN
  kube_down
  say "kube: helm template (external Redis) | podman kube play"
  podman network create xcoder-kube >/dev/null
  podman run -d --name xcoder-kube-redis --network xcoder-kube "$P/redis:bookworm" \
    redis-server --save "" --appendonly no >/dev/null
  .cache/deploy-tools/helm3 template xk helm/xcoder --set image.registry=localhost \
    --set synth.enabled=false --set redis.enabled=false \
    --set redis.external.url=redis://xcoder-kube-redis:6379/0 >"$KUBE_DIR/all.yaml"
  "$PY" - "$KUBE_DIR/all.yaml" "$KUBE_DIR/play.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
keep = [d for d in docs if d["kind"] in ("ConfigMap", "Deployment")]
# podman 4.3 cannot resolve secretKeyRef from a played Secret (it fails to parse what it stored):
# the played copy gets the Secret's values inline; everything else is as rendered
secret = next(d for d in docs if d["kind"] == "Secret")["stringData"]
for d in keep:
    if d["kind"] != "Deployment":
        continue
    for c in d["spec"]["template"]["spec"]["containers"]:
        env = []
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref is None:
                env.append(e)
            elif ref["key"] in secret:
                env.append({"name": e["name"], "value": secret[ref["key"]]})
            elif not ref.get("optional"):
                sys.exit(f"kube: secret key {ref['key']} missing")
        c["env"] = env
print("kube: playing", ", ".join(f'{d["kind"]}/{d["metadata"]["name"]}' for d in keep), "+ the Secret's values inline")
print("kube: left to the schema tests:", ", ".join(sorted({d["kind"] for d in docs} - {d["kind"] for d in keep})))
yaml.safe_dump_all(keep, open(sys.argv[2], "w"))
PY
  podman kube play --network xcoder-kube "$KUBE_DIR/play.yaml"
  podman pod ps --format '{{.Name}} {{.Status}}'
  local api ip
  api="$(podman ps --format '{{.Names}}' | grep -- '-judge-api$' | head -n 1)"
  ip="$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$api")"
  podman ps --format '{{.Names}}' | grep -- '-judge-' | xargs podman inspect \
    --format '{{.Name}}: user={{.Config.User}} readonly={{.HostConfig.ReadonlyRootfs}} caps={{.EffectiveCaps}}'

  "$PY" tests/deploy/smoke.py "http://$ip:8000" --workers 1
  # podman 4.3 turns each emptyDir into a named volume (tmp, work, cache) shared by every pod that
  # names one alike; kube down trips over the shared one, so remove those volumes afterwards
  podman kube down "$KUBE_DIR/play.yaml" >/dev/null 2>&1 || true
  podman volume rm -f tmp work cache >/dev/null 2>&1 || true
  echo "kube down: $(podman pod ps -q | wc -l) pod(s) left"
  [ "$(podman pod ps -q | wc -l)" = 0 ]
}

stage_vm() {
  say "vm: cgroup v2 on Debian's cloud kernel (tests/deploy/cgroup_vm.py)"
  "$PY" -m tests.deploy.cgroup_vm
}

stage_vm-suite() {
  local scale=()
  [ -z "${XCODER_VM_SUITE_TIME_SCALE:-}" ] || scale=(--time-scale "$XCODER_VM_SUITE_TIME_SCALE")
  say "vm-suite: the hostile and reward_hacking groups in the cgroup v2 VM (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PY" -m tests.deploy.cgroup_vm --suite "${scale[@]}"
}

for stage in "${stages[@]}"; do
  case "$stage" in
    images|containers|suite|compose|kube|vm|vm-suite) ;;
    *) echo "deploy-check: unknown stage '$stage' (images containers suite compose kube vm vm-suite)" >&2; exit 2 ;;
  esac
done
# a failing stage exits through `set -e`, where RETURN traps do not run: clean up on exit too,
# only after the stages that ran (the names are fixed: another run's containers stay alone)
on_exit() {
  local stage
  for stage in "${stages[@]}"; do
    case "$stage" in
      containers) cleanup_containers ;;
      suite) cleanup_suite ;;
      compose) compose_down ;;
      kube) kube_down ;;
    esac
  done
  rm -rf "$KUBE_DIR"
}
trap on_exit EXIT
for stage in "${stages[@]}"; do
  t0=$(date +%s)
  "stage_$stage"
  say "$stage: ok in $(( $(date +%s) - t0 )) s"
done
