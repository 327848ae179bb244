"""docker/judge-worker-entrypoint.sh on a real kernel.

A cgroup v2 subtree of this machine stands in for a container's cgroup: a process joins it and
enters new mount and cgroup namespaces, as a container runtime would start the worker, then
mounts the hierarchy (read-only, as runtimes do for unprivileged containers) and runs the
entrypoint. The superblock option `nsdelegate` is a host-wide setting, so the tests show the
entrypoint a copy of /proc/self/mountinfo with it added or removed (bind-mounted over /proc in
the private mount namespace); the remount itself is real.

Needs root and a cgroup v2 hierarchy (pure or hybrid), like the worker; CI has both.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.deploy.support import CHART, REPO

ENTRYPOINT = REPO / "docker" / "judge-worker-entrypoint.sh"
CAPABILITIES = yaml.safe_load((CHART / "values.yaml").read_text())["judge"]["worker"]["sandbox"][
    "capabilities"
]

REPORT = """\
if mkdir "$MNT/probe" 2>/dev/null; then rmdir "$MNT/probe"; echo writable=yes; else echo writable=no; fi
echo "cgroup=$(sed -n 's/^0:://p' /proc/self/cgroup)"
echo ran=yes
"""


def _cgroup2_root() -> Path:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[fields.index("-") + 1] == "cgroup2":
            return Path(fields[4])
    raise AssertionError("no cgroup2 hierarchy is mounted on this machine")


@pytest.fixture
def cgroup() -> Iterator[Path]:
    assert os.geteuid() == 0, (
        "creates cgroups, namespaces and mounts, as the worker does; run as root, like CI"
    )
    cg = _cgroup2_root() / f"xcoder-deploy-test-{os.getpid()}-{time.monotonic_ns()}"
    cg.mkdir()
    try:
        yield cg
    finally:
        for leaf in sorted((p for p in cg.rglob("*") if p.is_dir()), reverse=True):
            leaf.rmdir()
        cg.rmdir()


def run_entrypoint(
    cgroup: Path,
    tmp_path: Path,
    *,
    mount_opts: str = "ro",
    nsdelegate: bool | None = True,
    private_cgroupns: bool = True,
    drop_sys_admin: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, str], str]:
    """Run the entrypoint as a container's first process would; return the report and stderr.

    nsdelegate: True/False shows the entrypoint a mount table with/without it; None shows the
    real one.
    """
    mnt, fake = tmp_path / "cgroupfs", tmp_path / "proc"
    mnt.mkdir()
    (fake / "self").mkdir(parents=True)
    (fake / "sys" / "kernel").mkdir(parents=True)
    report = tmp_path / "report.sh"
    report.write_text(REPORT)
    lines = ["set -e", f'mount -t cgroup2 -o {mount_opts} none "$MNT"']
    if nsdelegate is not None:
        edit = '$NF = $NF ",nsdelegate"' if nsdelegate else 'gsub(/,?nsdelegate/, "", $NF)'
        lines += [
            f'awk -v mp="$MNT" \'$5 == mp {{ {edit} }} {{ print }}\' /proc/self/mountinfo > "$FAKE/self/mountinfo"',
            'cp /proc/self/cgroup "$FAKE/self/cgroup"',
            'cp /proc/self/status "$FAKE/self/status"',
            'cp /proc/sys/kernel/cap_last_cap "$FAKE/sys/kernel/cap_last_cap"',
            'mount --bind "$FAKE" /proc',
        ]
    prefix = "setpriv --bounding-set -sys_admin -- " if drop_sys_admin else ""
    lines.append(f'XCODER_CGROUP_MOUNT="$MNT" exec {prefix}sh {ENTRYPOINT} sh {report}')
    inner = tmp_path / "inner.sh"
    inner.write_text("\n".join(lines) + "\n")
    unshare = "unshare --mount --propagation private" + (" --cgroup" if private_cgroupns else "")
    outer = f'echo $$ > "{cgroup}/cgroup.procs" && exec {unshare} sh {inner}'
    full_env = {"PATH": os.environ["PATH"], "MNT": str(mnt), "FAKE": str(fake), **(env or {})}
    proc = subprocess.run(["sh", "-c", outer], capture_output=True, text=True, env=full_env, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    assert out.get("ran") == "yes", proc.stdout + proc.stderr  # the command always runs
    return out, proc.stderr


def test_read_only_hierarchy_with_nsdelegate_is_remounted_read_write(cgroup: Path, tmp_path: Path) -> None:
    out, err = run_entrypoint(cgroup, tmp_path, nsdelegate=True)
    assert out["writable"] == "yes"
    assert out["cgroup"] == "/"
    assert err == ""


def test_without_nsdelegate_it_stays_read_only(cgroup: Path, tmp_path: Path) -> None:
    # Without nsdelegate a writable mount would let the container rewrite its own limits.
    out, err = run_entrypoint(cgroup, tmp_path, nsdelegate=False)
    assert out["writable"] == "no"
    assert "not mounted with nsdelegate; not remounting it" in err


def test_shared_cgroup_namespace_is_left_alone(cgroup: Path, tmp_path: Path) -> None:
    # No cgroup namespace of its own: /proc/self/cgroup shows a path below the hierarchy's root.
    out, err = run_entrypoint(cgroup, tmp_path, nsdelegate=None, private_cgroupns=False)
    assert out["writable"] == "no"
    assert out["cgroup"] == f"/{cgroup.name}"
    assert "cgroup namespace is shared with the host" in err


def test_without_cap_sys_admin_it_warns_and_goes_on(cgroup: Path, tmp_path: Path) -> None:
    # the capability check would stop it first (tested below); this is the remount's own fallback
    env = {"XCODER_JUDGE_CAPABILITY_CHECK": "0"}
    out, err = run_entrypoint(cgroup, tmp_path, nsdelegate=True, drop_sys_admin=True, env=env)
    assert out["writable"] == "no"
    assert "could not remount" in err and "CAP_SYS_ADMIN" in err


def test_writable_hierarchy_is_left_as_it_is(cgroup: Path, tmp_path: Path) -> None:
    out, err = run_entrypoint(cgroup, tmp_path, mount_opts="rw", nsdelegate=False)
    assert out["writable"] == "yes"
    assert err == ""


@pytest.mark.parametrize("mode", ["none", "v1"])
def test_judge_cgroup_setting_turns_it_off(cgroup: Path, tmp_path: Path, mode: str) -> None:
    out, err = run_entrypoint(cgroup, tmp_path, nsdelegate=True, env={"XCODER_JUDGE_CGROUP": mode})
    assert out["writable"] == "no"
    assert err == ""


def _entrypoint_with(capabilities: list[str]) -> subprocess.CompletedProcess[str]:
    """The entrypoint as root with exactly these capabilities, as a runtime's cap_drop/cap_add sets."""
    bounding = ",".join(["-all"] + [f"+{c.lower()}" for c in capabilities])
    cmd = ["setpriv", "--bounding-set", bounding, "--inh-caps", "-all", "--",
           "sh", str(ENTRYPOINT), "sh", "-c", "echo ran=yes"]  # fmt: skip
    env = {"PATH": os.environ["PATH"], "XCODER_JUDGE_CGROUP": "none"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)


def test_the_documented_capabilities_pass_the_check() -> None:
    assert os.geteuid() == 0, "the worker runs as root in its container; run as root, like CI"
    proc = _entrypoint_with(CAPABILITIES)
    assert proc.returncode == 0, proc.stderr
    assert "ran=yes" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize("missing", CAPABILITIES)
def test_a_missing_capability_stops_the_worker_naming_it(missing: str) -> None:
    assert os.geteuid() == 0, "the worker runs as root in its container; run as root, like CI"
    proc = _entrypoint_with([c for c in CAPABILITIES if c != missing])
    assert proc.returncode == 78, proc.stdout + proc.stderr
    assert "ran=yes" not in proc.stdout
    named = [line for line in proc.stderr.splitlines() if "lacks CAP_" in line]
    assert len(named) == 1 and f"lacks CAP_{missing} " in named[0], proc.stderr
