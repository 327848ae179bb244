"""The cgroup v2 test VM, host side: build (or reuse) the image, boot it with this checkout, collect.

    python -m tests.deploy.cgroup_vm [--scenarios "service pod"] [--pytest ARGS] [--rebuild]
    python -m tests.deploy.cgroup_vm --suite [--time-scale 10]   the suite's whole hostile and
        reward_hacking groups (an hour or more under emulation; scripts/deploy-check.sh vm-suite)
    XCODER_VM_ACCEL=kvm|tcg  skip the KVM probe

The image (tests/deploy/vm/build-image.sh) is a debootstrap Debian root with the cloud kernel,
cached under $XCODER_DEPLOY_CACHE (/var/cache/xcoder-deploy). A run boots it under qemu (KVM when
/dev/kvm answers, software emulation otherwise) with three disks: the root (copy-on-write,
never modified), this checkout as a tar archive, and an empty disk the guest writes its results
to as a tar archive. The guest (vm/guest.sh, vm/guest_checks.py) powers off when done.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VM_DIR = REPO / "tests" / "deploy" / "vm"

# The engine's limit cases (memory of the tree, pids, CPU time across threads, wall) and the whole
# hostile and reward_hacking groups, judged by the suite's own test with XCODER_JUDGE_CGROUP=v2.
LIMIT_CASES = (
    "memory_tree_c or fork_bomb or thread_bomb or fork_limit_reported_c or cpu_time_over_tree_c"
    " or threads_burn_cpu_c or c_wall_time_sleep or _mle or _tle"
)
DEFAULT_PYTEST = f"services/judge/tests/test_suite.py -k 'hostile/ or reward_hacking/ or ({LIMIT_CASES})'"
# Under emulation (no usable KVM) a guest runs some 20-50 times slower: the engines then offer
# only C and Python (the JVM, V8 and PyPy miss their start-up self-tests' CPU limits) and the
# selection is the C/Python limit cases, whose verdicts do not depend on speed.
TCG_LANGUAGES = "python3,c"
# The suite's memory cases give 5 s of CPU, which page-faulting hundreds of MiB outlasts under
# emulation (they end TLE): guest_checks.py then proves the tree's memory limit itself, with CPU
# time to spare.
TCG_PYTEST = (
    "services/judge/tests/test_suite.py -k 'fork_bomb_c or thread_bomb_c or cpu_time_over_tree_c"
    " or threads_burn_cpu_c or c_wall_time_sleep or c_tle or python3_tle'"
)
# The whole hostile and reward_hacking groups (guest_checks.py's `suite` step), by hand only: in
# the service placement, in every language the guest's engine offers. Under emulation programs
# run many times slower than on the machines the suite's limits were written for, so CPU, wall
# and compile limits are multiplied by this factor (suite/_lib.py: XCODER_SUITE_TIME_SCALE),
# except in the cases whose verdict depends on the limit's exact size (`fixed_limits`).
SUITE_TIME_SCALE_TCG = 10.0
SUITE_TIMEOUT_S = 3 * 3600


@dataclass
class VmRun:
    returncode: int | None  # the guest's exit status; None when it never reported one
    console: str
    results: dict[str, dict] = field(default_factory=dict)  # scenario -> check -> {ok, detail}
    out_dir: Path | None = None
    boot_s: float = 0.0
    total_s: float = 0.0
    accel: str = ""

    def failures(self) -> list[str]:
        found = [f"{s}: {name}: {r['detail']}" for s, checks in self.results.items()
                 for name, r in checks.items() if not r["ok"]]  # fmt: skip
        if self.returncode != 0:
            found.append(f"guest exit status {self.returncode}")
        return found


def image(rebuild: bool = False) -> Path:
    """The image directory (vmlinuz, initrd.img, root.img, build.json), built when missing."""
    cmd = [str(VM_DIR / "build-image.sh"), *(["--rebuild"] if rebuild else [])]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"build-image.sh failed with status {proc.returncode} (its log is above)")
    return Path(proc.stdout.strip().splitlines()[-1])


def _qemu_base(img: Path, accel: str, memory_mb: int, cpus: int) -> list[str]:
    # -cpu host trips over MSR 0x10a (arch-capabilities) under nested KVM; without it, it boots
    cpu = "host,arch-capabilities=off" if accel == "kvm" else "max"
    accel_opt = "tcg,thread=multi" if accel == "tcg" else "kvm"
    return [
        "qemu-system-x86_64", "-machine", "q35", "-accel", accel_opt, "-cpu", cpu,
        "-m", str(memory_mb), "-smp", str(cpus), "-nographic", "-no-reboot", "-nic", "none",
        "-kernel", str(img / "vmlinuz"), "-initrd", str(img / "initrd.img"),
    ]  # fmt: skip


def accelerator(img: Path) -> str:
    """kvm when /dev/kvm opens and a Linux guest really starts under it, else tcg (emulation).

    Some hosts (nested virtualisation) open /dev/kvm but never get a guest past its real-mode
    setup; a 30 s probe boot decides, once per machine and kernel (kept in the cache).
    XCODER_VM_ACCEL=kvm|tcg skips the probe.
    """
    forced = os.environ.get("XCODER_VM_ACCEL", "auto")
    if forced in ("kvm", "tcg"):
        return forced
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
    except OSError:
        return "tcg"
    cached = img / "accel"
    if cached.exists():
        return cached.read_text().strip()
    cmd = [*_qemu_base(img, "kvm", 512, 1), "-append", "console=ttyS0 panic=-1 init=/bin/true root=/dev/vda"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        booted = b"Linux version" in proc.stdout
    except subprocess.TimeoutExpired as e:
        booted = b"Linux version" in (e.stdout or b"")
    accel = "kvm" if booted else "tcg"
    cached.write_text(accel + "\n")
    return accel


CALIBRATION_LOOP = "import time\nt = time.process_time()\nx = 0\nfor i in range(3_000_000): x += i\nprint(time.process_time() - t)"


def _loop_seconds() -> float:
    """CPU seconds of a fixed Python loop here; the guest times the same loop (its slowdown)."""
    out = subprocess.run([sys.executable, "-c", CALIBRATION_LOOP], capture_output=True, text=True, check=True)
    return float(out.stdout)


def _checkout_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                         capture_output=True, check=True).stdout.decode()  # fmt: skip
    return sorted(p for p in out.split("\0") if p and (REPO / p).is_file())


def _write_source_disk(path: Path, env: dict[str, str]) -> None:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for rel in _checkout_files():
            tar.add(REPO / rel, arcname=rel, recursive=False)
        text = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()).encode()
        info = tarfile.TarInfo(".xcoder-vm.env")
        info.size = len(text)
        import io

        tar.addfile(info, io.BytesIO(text))


def run(
    scenarios: str = "service pod",
    pytest_args: str | None = None,
    steps: str = "engine pytest service",
    *,
    timeout_s: float = 1500,
    memory_mb: int = 4096,
    cpus: int = 2,
    keep: Path | None = None,
    echo: bool = False,
    time_scale: float | None = None,
    suite_k: str = "",
) -> VmRun:
    """Boot the VM once for these scenarios; pytest_args None: the default for the accelerator.

    time_scale: for the `suite` step, the factor on the suite's limits (None: 1 under KVM,
    SUITE_TIME_SCALE_TCG under emulation).
    """
    img = image()
    accel = accelerator(img)
    env = {"XCODER_VM_SCENARIOS": scenarios, "XCODER_VM_STEPS": steps}
    if accel == "tcg":
        env["XCODER_JUDGE_PCH"] = "false"
        if "suite" not in steps.split():  # the suite step picks its languages itself
            env["XCODER_JUDGE_LANGUAGES"] = TCG_LANGUAGES
    if time_scale is None:
        time_scale = SUITE_TIME_SCALE_TCG if accel == "tcg" else 1.0
    env["XCODER_VM_SUITE_TIME_SCALE"] = f"{time_scale:g}"
    env["XCODER_VM_SUITE_K"] = suite_k
    env["XCODER_VM_HOST_LOOP_S"] = f"{_loop_seconds():.3f}"
    env["XCODER_VM_PYTEST"] = pytest_args if pytest_args is not None else (
        DEFAULT_PYTEST if accel == "kvm" else TCG_PYTEST)  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="xcoder-vm-", dir=keep))
    src, out_disk = work / "src.tar", work / "out.img"
    _write_source_disk(src, env)
    with open(out_disk, "wb") as f:
        f.truncate(512 << 20)
    cmd = [
        *_qemu_base(img, accel, memory_mb, cpus),
        "-append", "root=/dev/vda rw console=ttyS0 panic=-1 loglevel=4 init=/usr/local/sbin/xcoder-vm-init",
        "-drive", f"file={img / 'root.img'},if=virtio,format=raw,snapshot=on",
        "-drive", f"file={src},if=virtio,format=raw,readonly=on",
        "-drive", f"file={out_disk},if=virtio,format=raw",
    ]  # fmt: skip
    t0 = time.monotonic()
    boot_s = 0.0
    lines: list[str] = []
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        deadline = t0 + timeout_s
        os.set_blocking(proc.stdout.fileno(), False)
        buf = b""
        while proc.poll() is None and time.monotonic() < deadline:
            chunk = proc.stdout.read() or b""
            if not chunk:
                time.sleep(0.2)
                continue
            buf += chunk
            *done, buf = buf.split(b"\n")
            for raw in done:
                line = raw.decode(errors="replace").rstrip("\r")
                lines.append(line)
                if not boot_s and line.startswith("xcoder-vm:"):
                    boot_s = time.monotonic() - t0
                if echo:
                    print(line, flush=True)
        rest = (buf + (proc.stdout.read() or b"")).decode(errors="replace")
        lines.extend(rest.splitlines())
        timed_out = proc.poll() is None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    result = VmRun(returncode=None, console="\n".join(lines), boot_s=round(boot_s, 1),
                   total_s=round(time.monotonic() - t0, 1), accel=accel)  # fmt: skip
    if timed_out:
        result.results["host"] = {"vm finished": {"ok": False, "detail": f"killed after {timeout_s:.0f} s"}}
    out_dir = work / "out"
    out_dir.mkdir()
    try:
        with tarfile.open(out_disk, "r:") as tar:  # plain tar: never probe 512 MiB for compression
            tar.extractall(out_dir, filter="data")
    except tarfile.TarError as e:
        result.results.setdefault("host", {})["results disk"] = {"ok": False, "detail": str(e)}
    result.out_dir = out_dir
    rc = out_dir / "rc"
    if rc.exists():
        result.returncode = int(rc.read_text().strip())
    for scenario in scenarios.split():
        f = out_dir / f"{scenario}.json"
        result.results[scenario] = (
            json.loads(f.read_text())
            if f.exists()
            else {"reported": {"ok": False, "detail": "the guest wrote no results for this scenario"}}
        )
    src.unlink()
    out_disk.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenarios", default="service pod")
    p.add_argument("--pytest", default=None, help="pytest arguments run in the guest ('' for none)")
    p.add_argument("--steps", default="engine pytest service")
    p.add_argument("--rebuild", action="store_true", help="rebuild the image first")
    p.add_argument("--timeout", type=float, default=None, help="seconds (1500; --suite: 3 hours)")
    p.add_argument("--suite", action="store_true",
                   help="the whole hostile and reward_hacking groups instead (service placement only)")  # fmt: skip
    p.add_argument("--time-scale", type=float, default=None,
                   help=f"--suite: factor on the suite's limits (default 1 under KVM, {SUITE_TIME_SCALE_TCG:g} under TCG)")  # fmt: skip
    p.add_argument("--suite-k", default="", help="--suite: only the cases whose id contains one of 'a or b'")
    args = p.parse_args(argv)
    if args.suite:
        args.scenarios, args.steps, args.pytest = "service", "suite", ""
    if args.timeout is None:
        args.timeout = SUITE_TIMEOUT_S if args.suite else 1500
    t0 = time.monotonic()
    img = image(rebuild=args.rebuild)
    build = json.loads((img / "build.json").read_text())
    print(f"cgroup-vm: image {img} ({time.monotonic() - t0:.0f} s to get it): {build}")
    res = run(
        args.scenarios,
        args.pytest,
        args.steps,
        timeout_s=args.timeout,
        echo=True,
        time_scale=args.time_scale,
        suite_k=args.suite_k,
    )
    print(f"cgroup-vm: accel={res.accel} boot={res.boot_s} s total={res.total_s} s results in {res.out_dir}")
    failures = res.failures()
    for f in failures:
        print(f"cgroup-vm: FAIL {f}", file=sys.stderr)
    print("cgroup-vm: ok" if not failures else f"cgroup-vm: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
