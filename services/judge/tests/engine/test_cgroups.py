"""Cgroup handling: the live v1 hierarchy of this machine, and v2 bookkeeping on a fake tree.

This machine mounts v1 controllers; cgroup v2 (production Kubernetes nodes) has no controllers
here, so the v2 paths are exercised on a directory laid out like cgroupfs. The box side reads
the counters through plain file descriptors, which behave the same on regular files.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
from pathlib import Path

import pytest
from xcoder_judge.engine.sandbox.cgroups import Cgroups

SANDBOX = Path(__file__).resolve().parents[2] / "xcoder_judge" / "engine" / "sandbox"


def load_box_module():
    """The box's cgroup module, loaded as the box loads it: a top-level module."""
    if "box_cgroup" in sys.modules:
        return sys.modules["box_cgroup"]
    sys.path.insert(0, str(SANDBOX))
    try:
        spec = importlib.util.spec_from_file_location("box_cgroup", SANDBOX / "box_cgroup.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["box_cgroup"] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SANDBOX))
    return module


def test_v1_is_detected_here_and_slot_groups_are_created_and_removed() -> None:
    cg = Cgroups.detect("v1")
    cg.prepare()
    try:
        groups = cg.create_slot(7)
        run = groups.files["run"]["files"]
        for name in (
            "memory.limit_in_bytes",
            "memory.max_usage_in_bytes",
            "memory.oom_control",
            "pids.max",
            "cpuacct.usage",
        ):
            assert Path(run[name]).exists(), name
        assert len(run["procs"]) == 3
        assert all(d.is_dir() for d in groups.dirs)
        cg.remove_slot(groups)
        assert not any(d.exists() for d in groups.dirs)
    finally:
        cg.close()
    assert not any((base / cg.tag).exists() for base in cg.bases.values())


def test_stale_groups_of_dead_workers_are_removed() -> None:
    cg = Cgroups.detect("v1")
    dead = 2**22 + 12345  # above pid_max on this machine: never alive
    stale = [base / f"xcoder-judge-{dead}" / "slot-0-run" for base in cg.bases.values()]
    for d in stale:
        d.mkdir(parents=True)
    cg.prepare()
    try:
        assert not any(d.parent.exists() for d in stale)
    finally:
        cg.close()


def test_v2_requested_where_it_has_no_controllers_fails_clearly() -> None:
    from xcoder_judge.engine.sandbox.cgroups import CgroupUnavailable

    with pytest.raises(CgroupUnavailable, match="v2"):
        Cgroups.detect("v2")


def _fake_v2_group(d: Path) -> dict[str, str]:
    d.mkdir(parents=True)
    content = {
        "cgroup.procs": "",
        "memory.max": "max\n",
        "memory.swap.max": "max\n",
        "memory.current": "4096\n",
        "memory.peak": "8192\n",
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 2\n",
        "pids.max": "max\n",
        "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n",
    }
    files = {"procs": [str(d / "cgroup.procs")], "members": str(d / "cgroup.procs")}
    for name, text in content.items():
        (d / name).write_text(text)
        if name != "cgroup.procs":
            files[name] = str(d / name)
    return files


def test_box_reads_v2_counters_relative_to_the_start_of_a_run(tmp_path: Path) -> None:
    box = load_box_module()
    d = tmp_path / "slot-0-run"
    cg = box.Cgroup("v2", _fake_v2_group(d))
    cg.prepare(256 << 20, 64)
    assert (d / "memory.max").read_text().startswith(str(256 << 20))
    assert (d / "pids.max").read_text().startswith("64")
    assert (d / "memory.swap.max").read_text().startswith("0")
    # the kernel would now account the run; simulate it
    (d / "cpu.stat").write_text("usage_usec 2000000\n")
    (d / "memory.events").write_text("oom_kill 3\n")
    (d / "memory.peak").write_text("1052672\n")
    assert cg.cpu() == pytest.approx(0.5)
    assert cg.oom_kills() == 1
    assert cg.peak_bytes() == 1052672 - 4096


class _FakeKernel:
    """Plays the kernel's part on the fake tree: the `run` child comes and goes with its files,
    and cannot be removed while a process is in it."""

    def __init__(self, slot: Path, peaks: list[int]) -> None:
        self.run = slot / "run"
        self.peaks = iter(peaks)

    def mkdir(self) -> None:
        self.run.mkdir()
        (self.run / "cgroup.procs").write_text("")
        (self.run / "memory.peak").write_text(f"{next(self.peaks)}\n")

    def rmdir(self) -> None:
        if not self.run.exists():
            raise FileNotFoundError(self.run)
        if (self.run / "cgroup.procs").read_text().strip():
            raise OSError(16, "Device or resource busy")
        for f in self.run.iterdir():
            f.unlink()
        self.run.rmdir()


def _per_run_cgroup(box, d: Path, peaks: list[int]):
    files = _fake_v2_group(d)
    del files["procs"], files["members"]
    files["per_run"] = str(d)
    cg = box.Cgroup("v2", files)
    kernel = _FakeKernel(d, peaks)
    cg._mkdir_child, cg._rmdir_child = kernel.mkdir, kernel.rmdir
    return cg, kernel


def test_box_gives_each_v2_run_a_fresh_group_where_memory_peak_cannot_be_reset(tmp_path: Path) -> None:
    """Before Linux 6.12 the slot's memory.peak is its lifetime peak: each run's own is read
    from the slot's `run` child, made anew for the run; limits and the other counters stay on
    the slot."""
    box = load_box_module()
    d = tmp_path / "slot-0-run"
    cg, kernel = _per_run_cgroup(box, d, [300 << 10, 200 << 10])
    (d / "memory.peak").write_text(f"{900 << 20}\n")  # an earlier run's 900 MiB, for ever
    forker_copy = copy.copy(cg)  # the forker forked before any run: its copy knows no child

    cg.prepare(256 << 20, 64)
    assert (d / "memory.max").read_text().startswith(str(256 << 20))  # on the slot
    forker_copy.join()  # the program joins this run's group, by name
    assert (kernel.run / "cgroup.procs").read_text() == "0"
    assert (d / "cgroup.procs").read_text() == ""
    assert cg.peak_bytes() == 300 << 10
    (kernel.run / "cgroup.procs").write_text("")  # the run's processes are gone

    cg.prepare(256 << 20, 64)
    assert (kernel.run / "memory.peak").read_text() == f"{200 << 10}\n"  # made anew
    assert cg.peak_bytes() == 200 << 10  # not the slot's lifetime peak, not the last run's
    assert cg.members() == [] and forker_copy.members() == []


def test_a_run_group_with_members_is_shared_and_a_busy_one_kept(tmp_path: Path) -> None:
    box = load_box_module()
    d = tmp_path / "slot-1-run"
    cg, kernel = _per_run_cgroup(box, d, [4096, 8192])
    assert cg.members() == []  # before the first run there is no child
    cg.prepare(64 << 20, 8)
    (kernel.run / "cgroup.procs").write_text(f"{os.getpid()}\n")  # a process of this run
    cg.prepare(64 << 20, 8)  # a second process of the same run: the same group
    assert cg.members() == [os.getpid()]
    assert (kernel.run / "memory.peak").read_text() == "4096\n"
    cg.child, held = None, cg.child  # the next run, with the process somehow still there
    cg.prepare(64 << 20, 8)
    assert (kernel.run / "memory.peak").read_text() == "4096\n"  # kept, not made anew
    (kernel.run / "memory.peak").write_text("6144\n")
    assert cg.peak_bytes() == 2048  # relative to where it stood, as on v1
    for fd in held:
        os.close(fd)


def test_worker_hands_the_box_the_slot_directory_where_memory_peak_refuses_reset(tmp_path: Path) -> None:
    cg = Cgroups("v2", {"": tmp_path}, "xcoder-judge-test")
    for index, refuses in ((0, True), (1, False)):
        d = tmp_path / "xcoder-judge-test" / f"slot-{index}-run"
        d.mkdir(parents=True)
        (d / "cgroup.subtree_control").write_text("")
        if refuses:
            (d / "memory.peak").symlink_to("/dev/full")  # every write fails, as on Linux < 6.12
        else:
            (d / "memory.peak").write_text("0\n")
        files = cg.create_slot(index).files["run"]["files"]
        if refuses:
            assert files["per_run"] == str(d) and "procs" not in files
            assert (d / "cgroup.subtree_control").read_text() == "+memory"
        else:
            assert files["procs"] == [str(d / "cgroup.procs")] and "per_run" not in files
            assert (d / "cgroup.subtree_control").read_text() == ""


def test_box_writes_v2_limits_only_when_they_change(tmp_path: Path) -> None:
    box = load_box_module()
    d = tmp_path / "g"
    cg = box.Cgroup("v2", _fake_v2_group(d))
    cg.prepare(128 << 20, 32)
    (d / "memory.max").write_text("sentinel")
    cg.prepare(128 << 20, 32)
    assert (d / "memory.max").read_text() == "sentinel"
    cg.prepare(64 << 20, 32)
    assert (d / "memory.max").read_text().startswith(str(64 << 20))


def test_box_v1_memsw_is_raised_before_memory_and_lowered_after(tmp_path: Path) -> None:
    box = load_box_module()
    d = tmp_path / "v1"
    d.mkdir()
    names = {
        "memory.limit_in_bytes": "9223372036854771712\n",
        "memory.memsw.limit_in_bytes": "9223372036854771712\n",
        "memory.max_usage_in_bytes": "0\n",
        "memory.usage_in_bytes": "0\n",
        "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
        "pids.max": "max\n",
        "cpuacct.usage": "0\n",
    }
    files = {"procs": []}
    for name, text in names.items():
        (d / name).write_text(text)
        files[name] = str(d / name)
    writes = []
    cg = box.Cgroup("v1", files)
    real = os.pwrite

    def spy(fd, data, offset):
        writes.append(os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[1])
        return real(fd, data, offset)

    os.pwrite = spy
    try:
        cg.prepare(256 << 20, 64)  # lowering from unlimited: memory first
        first = [w for w in writes if "limit" in w]
        writes.clear()
        cg.prepare(512 << 20, 64)  # raising: memsw first
        second = [w for w in writes if "limit" in w]
    finally:
        os.pwrite = real
    assert first == ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
    assert second == ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]


def test_a_live_workers_groups_survive_another_workers_cleanup() -> None:
    """Ownership is an flock, not a pid: pids repeat across PID namespaces (containers)."""
    first = Cgroups.detect("v1")
    first.prepare()
    second = Cgroups.detect("v1")
    try:
        groups = first.create_slot(0)
        second.prepare()  # must not mistake the first worker's subtree for a dead one
        assert all(d.exists() for d in groups.dirs)
        assert first.tag != second.tag
    finally:
        second.close()
        first.close()
    assert not any((base / first.tag).exists() for base in first.bases.values())
