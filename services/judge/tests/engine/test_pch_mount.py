"""The node's PCH tmpfs (pch_mount.py): a file system of its own, published whole, never leaked.

Only files are copied and mounts made here: nothing is compiled or run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from xcoder_judge.engine.sandbox.pch_mount import PchMount, sweep_stale

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def mountinfo_root(path: Path) -> tuple[str, str] | None:
    """(root, fs type) of the mount at `path`, from this process's mountinfo."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == str(path):
            return fields[3], fields[fields.index("-") + 1]
    return None


def built_cache(tmp_path: Path) -> Path:
    cache = tmp_path / "cache" / "pch"
    bits = cache / "cpp17" / "bits"
    bits.mkdir(parents=True)
    (bits / "stdc++.h.gch").write_bytes(os.urandom(100_000))
    (bits / "stdc++.h.gch").chmod(0o600)
    (cache / "cpp17" / "stamp.json").write_text("{}")
    return cache


def test_published_pch_is_on_a_tmpfs_whose_root_names_no_host_dir(tmp_path: Path) -> None:
    cache = built_cache(tmp_path)
    pch = PchMount(cache, tmp_path / "work" / "worker-1" / "pch")
    pch.mount()
    try:
        assert pch.path == tmp_path / "work" / "worker-1" / "pch"
        assert mountinfo_root(pch.path) == ("/", "tmpfs")  # what a bind of it shows inside a box
        pch.publish("cpp17")
        copy = pch.path / "cpp17" / "bits" / "stdc++.h.gch"
        assert copy.read_bytes() == (cache / "cpp17" / "bits" / "stdc++.h.gch").read_bytes()
        assert copy.stat().st_mode & 0o777 == 0o644  # readable by the sandbox uids
        assert sorted(os.listdir(pch.path)) == ["cpp17"]  # no half-made copy left beside it
        pch.publish("cpp17")  # a rebuilt PCH replaces the old one
        assert copy.exists()
    finally:
        pch.close()
    assert mountinfo_root(pch.path) is None


def test_without_a_mount_boxes_are_told_the_cache_dir_and_publish_is_a_no_op(tmp_path: Path) -> None:
    cache = built_cache(tmp_path)
    pch = PchMount(cache, tmp_path / "work" / "worker-1" / "pch")
    pch.publish("cpp17")
    assert pch.path == cache
    assert not (tmp_path / "work" / "worker-1" / "pch").exists()


def test_a_dead_workers_tmpfs_is_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    work = tmp_path / "work"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is free now (reuse within this test is not expected)
    mounts = {}
    for name, pid in (("dead", dead.pid), ("live", os.getppid())):
        mounts[name] = PchMount(tmp_path / "cache", work / f"worker-{pid}" / "pch")
        mounts[name].mount()
    try:
        assert sweep_stale(work) == [work / f"worker-{dead.pid}" / "pch"]
        assert mountinfo_root(work / f"worker-{dead.pid}" / "pch") is None
        assert mountinfo_root(work / f"worker-{os.getppid()}" / "pch") == ("/", "tmpfs")
    finally:
        for m in mounts.values():
            m.close()
