#!/bin/sh
# Entry point of the judge worker image: make the container's own cgroup v2 subtree writable for
# the worker when that is safe, then exec the command (by default `xcoder-judge worker`).
#
# Container runtimes mount /sys/fs/cgroup read-only in unprivileged containers. The worker needs
# to write there: it moves the container's processes into a leaf, enables the memory, pids and
# cpu controllers and creates one cgroup per sandbox slot (limits for the whole process tree of
# a run). This script remounts /sys/fs/cgroup read-write, and only when
#   - the container has a private cgroup namespace, so the mount shows the container's subtree
#     and nothing above it, and
#   - the hierarchy is mounted with `nsdelegate`, so the kernel refuses writes to the namespace
#     root's own limits: the container cannot raise the limits its orchestrator set.
# It needs CAP_SYS_ADMIN and an AppArmor profile that allows mount. Anything else (cgroup v1, a
# shared namespace, no nsdelegate, no permission) is left untouched with a warning; the worker
# then reports what it enforces (`xcoder-judge check`) and falls back to rlimits where it must.
#
# Before that, as root, it checks that the container has the five capabilities the sandbox needs
# (docs/deployment.md, "What the worker needs") and stops with exit status 78, naming each one
# missing, instead of a worker that fails later inside a slot or runs without isolation.
#
# Settings: XCODER_JUDGE_CGROUP=none or v1 skips the remount (as it makes the worker skip cgroup
# v2). XCODER_JUDGE_CAPABILITY_CHECK=0 skips the capability check. XCODER_CGROUP_MOUNT (default
# /sys/fs/cgroup) exists for tests.
set -eu

cg="${XCODER_CGROUP_MOUNT:-/sys/fs/cgroup}"
mode="${XCODER_JUDGE_CGROUP:-auto}"

say() { echo "xcoder-judge-worker-entrypoint: $*" >&2; }

# Per-mount options (field 6) and superblock options (last field) of the mount at $cg.
mount_options() {
  awk -v mp="$cg" '$5 == mp { opts = $6; for (i = 7; i <= NF; i++) if ($i == "-") { sb = $(i + 3) }; o = opts; s = sb } END { print o " " s }' /proc/self/mountinfo
}

prepare_cgroup_v2() {
  ns_path="$(sed -n 's/^0:://p' /proc/self/cgroup)"
  if [ "$ns_path" != "/" ]; then
    say "cgroup namespace is shared with the host (this process is in '$ns_path'); leaving $cg alone." \
        "Give the container a private cgroup namespace (compose: 'cgroup: private'; Kubernetes does this on cgroup v2 nodes)."
    return 0
  fi
  opts="$(mount_options)"
  mnt_opts="${opts%% *}"
  sb_opts="${opts#* }"
  case ",$mnt_opts," in
    *,ro,*)
      case ",$sb_opts," in
        *,nsdelegate,*) ;;
        *)
          say "$cg is read-only and not mounted with nsdelegate; not remounting it (without nsdelegate a" \
              "writable mount would let this container change its own limits). Slots fall back to rlimits."
          return 0 ;;
      esac
      if ! mount -o remount,rw "$cg" 2>/dev/null; then
        say "could not remount $cg read-write (needs CAP_SYS_ADMIN and an AppArmor profile that allows" \
            "mount); slots fall back to rlimits."
        return 0
      fi ;;
  esac
  if [ ! -w "$cg/cgroup.procs" ]; then
    say "$cg is not writable; slots fall back to rlimits."
  fi
}

# name:bit:why, as in include/uapi/linux/capability.h
NEEDED_CAPABILITIES="
CAP_DAC_OVERRIDE:1:read outputs from the slot's /box
CAP_KILL:5:signal sandboxed processes, which run under other uids
CAP_SETGID:6:drop to the slot's gid
CAP_SETUID:7:drop to the slot's uid
CAP_SYS_ADMIN:21:create the sandbox's namespaces and mounts, pivot_root, remount the cgroup tree"

check_capabilities() {
  [ "$(id -u)" = 0 ] || return 0   # not root: the worker runs without isolation by design, and says so
  eff="$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status 2>/dev/null || true)"
  if [ -z "$eff" ]; then
    say "cannot read CapEff from /proc/self/status; not checking the capabilities."
    return 0
  fi
  missing=0
  while IFS=: read -r name bit why; do
    [ -n "$name" ] || continue
    if [ $(( (0x$eff >> bit) & 1 )) -eq 0 ]; then
      say "the container lacks $name (needed to $why)."
      missing=1
    fi
  done <<EOF
$NEEDED_CAPABILITIES
EOF
  if [ "$missing" = 1 ]; then
    say "add it (compose: cap_add; Helm: judge.worker.sandbox.capabilities); see docs/deployment.md." \
        "Not starting. XCODER_JUDGE_CAPABILITY_CHECK=0 starts anyway."
    exit 78
  fi
}

if [ "${XCODER_JUDGE_CAPABILITY_CHECK:-1}" != 0 ]; then
  check_capabilities
fi

case "$mode" in
  none|v1) ;;
  *)
    if [ "$(stat -fc %T "$cg" 2>/dev/null || true)" = "cgroup2fs" ]; then
      prepare_cgroup_v2
    fi ;;
esac

exec "$@"
