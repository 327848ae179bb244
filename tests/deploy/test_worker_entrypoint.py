"""docker/judge-worker-entrypoint.sh on a real kernel: a cgroup v2 subtree of this machine stands in
for a container's cgroup, entered through a private cgroup namespace as container runtimes do.

Needs root and a cgroup v2 hierarchy (pure or hybrid), like the worker itself; CI has both.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.support import REPO

ENTRYPOINT = REPO / "docker" / "judge-worker-entrypoint.sh"


def _cgroup2_mount() -> tuple[Path, set[str]]:
    """Mount point and superblock options of this machine's cgroup v2 hierarchy."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        sep = fields.index("-")
        if fields[sep + 1] == "cgroup2":
            return Path(fields[4]), set(fields[sep + 3].split(","))
    raise AssertionError("no cgroup2 hierarchy is mounted on this machine")


@pytest.fixture
def cgroup(tmp_path: Path) -> Iterator[Path]:
    assert os.geteuid() == 0, "creates cgroups and namespaces, as the worker does; run as root, like CI"
    root, _ = _cgroup2_mount()
    cg = root / f"xcoder-deploy-test-{os.getpid()}-{time.monotonic_ns()}"
    cg.mkdir()
    try:
        yield cg
    finally:
        for leaf in sorted(cg.rglob("*"), reverse=True):
            if leaf.is_dir():
                leaf.rmdir()
        cg.rmdir()


def _run_in(
    cgroup: Path,
    tmp_path: Path,
    setup: str,
    *,
    env: dict[str, str] | None = None,
    private_cgroupns: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Join `cgroup`, enter new mount (and cgroup) namespaces, run `setup` to mount the hierarchy at
    $MNT, then the entrypoint with a command that reports where it ended up."""
    mnt = tmp_path / "cgroupfs"
    mnt.mkdir()
    report = tmp_path / "report.sh"
    report.write_text(
        'echo "cgroup=$(sed -n "s/^0:://p" /proc/self/cgroup)"\n'
        'echo "root_procs=$(wc -l < "$MNT/cgroup.procs")"\n'
    )
    inner = tmp_path / "inner.sh"
    inner.write_text(f'set -e\n{setup}\nXCODER_CGROUP_MOUNT="$MNT" exec sh {ENTRYPOINT} sh {report}\n')
    unshare = ["unshare", "--mount", "--propagation", "private"] + (["--cgroup"] if private_cgroupns else [])
    outer = f'echo $$ > "{cgroup}/cgroup.procs" && exec {" ".join(unshare)} sh {inner}'
    full_env = {"PATH": os.environ["PATH"], "MNT": str(mnt), **(env or {})}
    return subprocess.run(["sh", "-c", outer], capture_output=True, text=True, env=full_env, timeout=30)


def _report(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)


def test_writable_private_hierarchy_empties_the_namespace_root(cgroup: Path, tmp_path: Path) -> None:
    out = _report(_run_in(cgroup, tmp_path, 'mount -t cgroup2 none "$MNT"'))
    # The command runs in the leaf `init` and nothing is left in the namespace root, so the worker
    # can enable controllers for its slot cgroups there.
    assert out == {"cgroup": "/init", "root_procs": "0"}
    assert (cgroup / "init").is_dir()


def test_read_only_hierarchy_is_remounted_only_with_nsdelegate(cgroup: Path, tmp_path: Path) -> None:
    _, superblock = _cgroup2_mount()
    proc = _run_in(cgroup, tmp_path, 'mount -t cgroup2 -o ro none "$MNT"')
    out = _report(proc)
    if "nsdelegate" in superblock:
        assert out == {"cgroup": "/init", "root_procs": "0"}
    else:
        # Without nsdelegate a writable mount would let the container rewrite its own limits.
        assert out["cgroup"] == "/" and int(out["root_procs"]) >= 1
        assert "not mounted with nsdelegate; not remounting it" in proc.stderr
        assert not (cgroup / "init").exists()


def test_shared_cgroup_namespace_is_left_alone(cgroup: Path, tmp_path: Path) -> None:
    # The test cgroup bind-mounted where the hierarchy would be, but no cgroup namespace of its own:
    # /proc/self/cgroup shows a path below the root, which is what a shared namespace looks like.
    proc = _run_in(cgroup, tmp_path, f'mount --bind "{cgroup}" "$MNT"', private_cgroupns=False)
    out = _report(proc)
    assert out["cgroup"] == f"/{cgroup.name}"
    assert "cgroup namespace is shared with the host" in proc.stderr
    assert not (cgroup / "init").exists()


@pytest.mark.parametrize("mode", ["none", "v1"])
def test_judge_cgroup_setting_turns_it_off(cgroup: Path, tmp_path: Path, mode: str) -> None:
    out = _report(
        _run_in(cgroup, tmp_path, 'mount -t cgroup2 none "$MNT"', env={"XCODER_JUDGE_CGROUP": mode})
    )
    assert out["cgroup"] == "/" and int(out["root_procs"]) >= 1
    assert not (cgroup / "init").exists()
