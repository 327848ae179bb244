#!/bin/sh
# Guest side of the cgroup v2 test VM, run by the image's init with the checkout unpacked in
# /opt/xcoder/src. It mounts cgroup2 the way systemd does (nsdelegate, controllers enabled from
# the root), then places the judge in each scenario of $XCODER_VM_SCENARIOS and runs
# guest_checks.py there:
#   service  the worker in a delegated subtree of the host's hierarchy, no cgroup namespace
#            (systemd's Delegate=yes; what a bare-metal judge node sees)
#   pod      the worker in a container's cgroup inside a pod's, in a private cgroup namespace,
#            with cgroup2 mounted read-only by the "runtime" and made writable by the worker
#            image's own entrypoint (docker/judge-worker-entrypoint.sh): what a pod sees
# Settings come from $src/.xcoder-vm.env, written by cgroup_vm.py.
set -u
# The image's init unpacks the checkout under /opt, but every box binds /opt read-only (toolchains
# live there; layout.SYSTEM_DIRS), so the suite's judge-source probes would read it: the VM's own
# artefact, not the worker image's (its /opt holds only the venv). Move it out first, as the
# container suite stage mounts it at /xcoder-suite/src.
src=/srv/xcoder/src
if [ -d /opt/xcoder/src ] && [ ! -e "$src" ]; then
  mkdir -p /srv/xcoder && mv /opt/xcoder/src "$src" && exec sh "$src/tests/deploy/vm/guest.sh"
fi
out="${XCODER_VM_OUT:?}"
# shellcheck disable=SC1091
. "$src/.xcoder-vm.env"
PATH=/opt/xcoder/venv/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
LANG=C.UTF-8
PYTHONDONTWRITEBYTECODE=1
export PATH HOME LANG PYTHONDONTWRITEBYTECODE XCODER_VM_OUT

say() { echo "xcoder-vm: $*"; }
delegate() { echo "+cpu +memory +pids" >"$1/cgroup.subtree_control"; }

ip link set lo up
# the suite's network cases need an address that is not loopback (no NIC: nothing to reach)
modprobe dummy 2>/dev/null
ip link add xcoder0 type dummy && ip addr add 10.213.0.2/24 dev xcoder0 && ip link set xcoder0 up
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm

mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup || { say "cannot mount cgroup2"; exit 3; }
delegate /sys/fs/cgroup
say "kernel $(uname -r); cgroup2 controllers at the root: $(cat /sys/fs/cgroup/cgroup.controllers)"

pip install -q --no-deps --no-index --no-build-isolation --disable-pip-version-check \
  -e "$src/wire" -e "$src/services/judge" >"$out/pip.log" 2>&1 || { say "pip failed"; cat "$out/pip.log"; exit 4; }

status=0
for scenario in $XCODER_VM_SCENARIOS; do
  say "=== scenario $scenario"
  case "$scenario" in
    service)
      slice=/sys/fs/cgroup/system.slice
      unit=$slice/xcoder-judge-worker.service
      mkdir -p "$unit" && delegate "$slice"
      echo 6G >"$unit/memory.max"; echo 16384 >"$unit/pids.max"
      sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$unit" \
        python3 "$src/tests/deploy/vm/guest_checks.py" service || status=1
      ;;
    pod)
      pods=/sys/fs/cgroup/kubepods.slice
      pod=$pods/kubepods-pod0001.slice
      ctr=$pod/cri-containerd-judge-worker.scope
      mkdir -p "$ctr" && delegate "$pods" && delegate "$pod"
      echo 6G >"$pod/memory.max"; echo 6G >"$ctr/memory.max"
      echo 16384 >"$ctr/pids.max"; echo "200000 100000" >"$ctr/cpu.max"
      # as runc/crun do: join the container's group, unshare the cgroup namespace, mount a fresh
      # cgroup2 read-only (the mount then shows the container's subtree as its root)
      sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$ctr" \
        unshare --cgroup --mount --propagation private sh -c '
          umount /sys/fs/cgroup && mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup &&
          exec "$0" python3 "$1" pod' "$src/docker/judge-worker-entrypoint.sh" "$src/tests/deploy/vm/guest_checks.py" \
        || status=1
      # nsdelegate: nothing inside the pod could raise what the "kubelet" set
      say "container limits after the run: memory.max=$(cat "$ctr/memory.max") pids.max=$(cat "$ctr/pids.max") cpu.max=$(cat "$ctr/cpu.max")"
      ;;
    *) say "unknown scenario $scenario"; status=2 ;;
  esac
done
exit $status
