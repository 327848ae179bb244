"""cgroup v2 on a real kernel: the judge inside a qemu VM (Debian's cloud kernel, a debootstrap
root, cgroup2 mounted with nsdelegate and memory, pids and cpu delegated), as a systemd-delegated
service and as a Kubernetes pod sees it (own cgroup namespace, read-only mount made writable by
the worker image's entrypoint). In each, the engine must report cgroup v2 with full isolation,
the suite's limit cases and hostile group must pass with XCODER_JUDGE_CGROUP=v2, and the worker
behind the HTTP API must judge the smoke set and report v2 in /v1/capabilities.

The image is built once and kept under $XCODER_DEPLOY_CACHE (/var/cache/xcoder-deploy); the
first run on a machine builds it (debootstrap from the Debian mirror, a few minutes). One VM
boot serves every test here. Needs root, qemu-system-x86, debootstrap (scripts/setup.sh --test).
"""

from __future__ import annotations

import shutil

import pytest

from tests.deploy import cgroup_vm

pytestmark = pytest.mark.slow
SCENARIOS = ("service", "pod")


@pytest.fixture(scope="module")
def vm_run() -> cgroup_vm.VmRun:
    for tool in ("qemu-system-x86_64", "debootstrap", "mke2fs"):
        assert shutil.which(tool), f"{tool} is missing: run ./scripts/setup.sh --test"
    return cgroup_vm.run(" ".join(SCENARIOS))


# Found by this VM (kernel 6.1): memory.peak cannot be reset before Linux 6.12, so a reused
# slot's memory_kb was its lifetime peak; each run now gets a fresh child group (box_cgroup.py).
MEMORY_KB_CHECK = "a small program after them is reported small"


def test_the_guest_ran_to_the_end(vm_run: cgroup_vm.VmRun) -> None:
    assert "host" not in vm_run.results, vm_run.results.get("host")
    assert vm_run.returncode is not None, vm_run.console[-4000:]
    line = next(x for x in vm_run.console.splitlines() if "cgroup2 controllers at the root:" in x)
    assert {"cpu", "memory", "pids"} <= set(line.split(":")[-1].split()), line


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_check_passes_on_cgroup_v2(vm_run: cgroup_vm.VmRun, scenario: str) -> None:
    checks = vm_run.results[scenario]
    failed = {name: r["detail"] for name, r in checks.items() if not r["ok"]}
    log = vm_run.out_dir / f"{scenario}-pytest.log" if vm_run.out_dir else None
    tail = log.read_text()[-3000:] if log and log.exists() else vm_run.console[-3000:]
    assert not failed, f"{failed}\n{tail}"
    # the checks that prove v2 was used, not a fallback, must all have run
    for name in ("engine cgroup", "tree of 6 x 64 MiB under 256 MiB is MLE", MEMORY_KB_CHECK, "pytest",
                 "service smoke (HTTP)",
                 "no cgroup left after the worker"):  # fmt: skip
        assert name in checks, f"{scenario}: check {name!r} did not run"
    assert checks["engine cgroup"]["detail"]["cgroup"] == "v2"


def test_the_pod_cannot_raise_its_own_limits(vm_run: cgroup_vm.VmRun) -> None:
    checks = vm_run.results["pod"]
    assert checks["cgroup namespace root"]["ok"], checks["cgroup namespace root"]
    assert checks["nsdelegate refuses raising the container's memory.max"]["ok"]
    assert "memory.max=6442450944 pids.max=16384 cpu.max=200000 100000" in vm_run.console


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_memory_kb_is_this_runs_own(vm_run: cgroup_vm.VmRun, scenario: str) -> None:
    """After a tree of 6 x 64 MiB in the same slot, print(1) is reported at its own size."""
    check = vm_run.results[scenario][MEMORY_KB_CHECK]
    assert check["ok"], check["detail"]
