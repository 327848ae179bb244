#!/usr/bin/env bash
# Build, or find in the cache, the cgroup v2 test VM: a Debian bookworm root made by debootstrap
# with Debian's cloud kernel, every judge toolchain (scripts/install-toolchains.sh), redis-server
# and the judge's Python dependencies, stored as an ext4 disk image plus the kernel and initrd.
#
#   tests/deploy/vm/build-image.sh             print the image directory; build it when missing
#   tests/deploy/vm/build-image.sh --rebuild   build it again
#
# The image holds no X-Coder code: each run ships the checkout in on a second disk (run_vm.py),
# so code changes never need a rebuild. The cache key is a hash of everything that goes into
# the image (this script, the guest init, the toolchain script, the packages' dependency lists);
# a changed input builds a new image next to the old ones, the oldest beyond two are removed.
# Cache: $XCODER_DEPLOY_CACHE, default /var/cache/xcoder-deploy. Needs root, debootstrap,
# mke2fs and the Debian mirror ($XCODER_DEBIAN_MIRROR); a build takes a few minutes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${XCODER_DEPLOY_CACHE:-/var/cache/xcoder-deploy}"
mirror="${XCODER_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rebuild=0
case "${1:-}" in
  --rebuild) rebuild=1 ;;
  "") ;;
  *) echo "build-image: unknown argument '$1'" >&2; exit 2 ;;
esac

say() { echo "build-image: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap, chroot)"; exit 1; }
for tool in debootstrap mke2fs chroot; do
  command -v "$tool" >/dev/null || { say "missing $tool (apt-get install debootstrap e2fsprogs)"; exit 1; }
done

inputs=("$here/build-image.sh" "$here/init" "$repo/scripts/install-toolchains.sh"
        "$repo/wire/pyproject.toml" "$repo/services/judge/pyproject.toml")
key="$(cat "${inputs[@]}" | sha256sum | cut -c1-16)"
out="$cache/vm-$key"
if [ "$rebuild" = 0 ] && [ -f "$out/root.img" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache/debs"
# one build at a time per cache (a second caller waits, then finds the image built)
exec 9>"$cache/.build.lock"
flock 9
if [ "$rebuild" = 0 ] && [ -f "$out/root.img" ]; then echo "$out"; exit 0; fi
work="$cache/vm-$key.tmp"
root="$work/root"
unmount_root() {
  for m in var/cache/apt/archives dev/pts dev proc sys; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m"; fi
  done
}
cleanup() {
  unmount_root
  # never delete through a bind mount of the host's /dev
  if grep -q " $root/" /proc/self/mounts; then say "mounts left under $root; not removing it"; return; fi
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"
t0=$(date +%s)

# The guest's Python dependencies: wheels built here from the checkout's own pyproject files,
# then installed in the guest by its own pip, which fetches from PyPI what the guest's older
# interpreter needs beyond the host's resolution (environment markers).
pip_host="$repo/.venv/bin/python"
[ -x "$pip_host" ] || pip_host=python3
mkdir -p "$work/wheels"
"$pip_host" -m pip wheel -q --disable-pip-version-check -w "$work/wheels" \
  "$repo/wire" "$repo/services/judge[test]" pyyaml "setuptools>=77" wheel >&2

say "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --cache-dir="$cache/debs" \
  --include=python3,python3-venv,libseccomp2,redis-server,iproute2,procps,kmod,ca-certificates \
  bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
t1=$(date +%s)

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
# apt's downloads persist in the cache across rebuilds
mkdir -p "$cache/apt"
mount --bind "$cache/apt" "$root/var/cache/apt/archives"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
              DEBIAN_FRONTEND=noninteractive "$@"; }

say "kernel and toolchains"
security="${XCODER_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
  "$mirror" "$mirror" "$security" >"$root/etc/apt/sources.list"
in_root apt-get update -qq >&2
# initramfs-tools' default MODULES=most puts virtio_blk and ext4 into the initrd.
in_root apt-get install -y -qq --no-install-recommends linux-image-cloud-amd64 initramfs-tools \
  >"$work/kernel.log" 2>&1 || { tail -n 30 "$work/kernel.log" >&2; exit 1; }
install -m 0755 "$repo/scripts/install-toolchains.sh" "$root/usr/local/sbin/xcoder-install-toolchains"
in_root /usr/local/sbin/xcoder-install-toolchains >&2
in_root /usr/local/sbin/xcoder-install-toolchains --check >&2
t2=$(date +%s)

say "Python environment"
cp -r "$work/wheels" "$root/tmp/wheels"
# Where HTTPS goes through an intercepting proxy, the guest's pip needs the host's CA bundle.
ca="${XCODER_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
pip_cert=()
if [ -f "$ca" ]; then cp "$ca" "$root/tmp/wheels/host-ca.crt"; pip_cert=(--cert /tmp/wheels/host-ca.crt); fi
in_root python3 -m venv /opt/xcoder/venv
# setuptools>=77 reads the packages' SPDX `license` strings: each run installs the checkout
# with --no-build-isolation (the guest has no network), so the venv's own one must
in_root /opt/xcoder/venv/bin/pip install -q --disable-pip-version-check "${pip_cert[@]}" --upgrade \
  --find-links /tmp/wheels "xcoder-judge[test]" pyyaml "setuptools>=77" wheel >&2
# The code itself comes with every run; only the dependencies stay in the image.
in_root /opt/xcoder/venv/bin/pip uninstall -q -y xcoder-judge xcoder-wire >&2
rm -rf "$root/tmp/wheels"

install -m 0755 "$here/init" "$root/usr/local/sbin/xcoder-vm-init"
echo xcoder-vm >"$root/etc/hostname"
: >"$root/etc/fstab"
rm -rf "$root/var/lib/apt/lists/"* "$root/var/log/"*.log
unmount_root

kernel="$(find "$root/boot" -name 'vmlinuz-*' | sort | tail -n 1)"
cp "$kernel" "$work/vmlinuz"
cp "$root/boot/initrd.img-${kernel##*/vmlinuz-}" "$work/initrd.img"
used_mb=$(du -sm "$root" | cut -f1)
size_mb=$((used_mb + used_mb / 4 + 1024))   # room for the runs' work and compile caches
say "ext4 image of ${used_mb} MiB in ${size_mb} MiB"
mke2fs -q -t ext4 -L xcoder-vm -d "$root" "$work/root.img" "${size_mb}M"
t3=$(date +%s)

cat >"$work/build.json" <<JSON
{"key": "$key", "debootstrap_s": $((t1 - t0)), "packages_s": $((t2 - t1)), "total_s": $((t3 - t0)),
 "root_mib": $used_mb, "image_mib": $size_mb, "kernel": "${kernel##*/}"}
JSON
rm -rf "$root" "$work/wheels"
rm -rf "$out"
mv "$work" "$out"
# keep the two newest images
find "$cache" -maxdepth 1 -name 'vm-*' ! -name '*.tmp' -printf '%T@ %p\n' | sort -rn | tail -n +3 |
  cut -d' ' -f2- | xargs -r rm -rf
say "built $out in $((t3 - t0)) s: $(cat "$out/build.json")"
echo "$out"
