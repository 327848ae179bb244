"""The slot's copies of artifacts (prog_cache.py): one copy per program, faithful, bounded."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from xcoder_judge.engine.sandbox.prog_cache import PART, ProgCache


@pytest.fixture
def dirs(tmp_path: Path) -> Iterator[tuple[Path, Path, int, int]]:
    store, copies = tmp_path / "store", tmp_path / "copies"
    store.mkdir()
    copies.mkdir()
    src = os.open(store, os.O_PATH | os.O_DIRECTORY)  # as the box opens the store
    dst = os.open(copies, os.O_RDONLY | os.O_DIRECTORY)
    yield store, copies, src, dst
    os.close(src)
    os.close(dst)


def artifact(store: Path, key: str, size: int = 1000) -> Path:
    d = store / key
    d.mkdir()
    (d / "main").write_bytes(os.urandom(size))
    (d / "main").chmod(0o6775)  # set-id and group write must not survive the copy
    (d / "data.txt").write_text("hello\n")
    (d / "data.txt").chmod(0o644)
    (d / "sub").mkdir()
    (d / "sub" / "Inner.class").write_bytes(b"\xca\xfe\xba\xbe" * 100)
    os.symlink("/etc/shadow", d / "link")
    return d


def test_a_program_is_copied_once_and_faithfully(dirs) -> None:
    store, copies, src, dst = dirs
    original = artifact(store, "k1", 300_000)
    cache = ProgCache(src, dst, 1 << 30)
    assert cache.get("k1") == "k1"
    assert cache.get("k1") == "k1"
    assert cache.copies == 1
    copy = copies / "k1"
    assert (copy / "main").read_bytes() == (original / "main").read_bytes()
    assert (copy / "sub" / "Inner.class").read_bytes() == (original / "sub" / "Inner.class").read_bytes()
    assert stat.S_IMODE((copy / "main").stat().st_mode) == 0o755
    assert stat.S_IMODE((copy / "data.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE(copy.stat().st_mode) == 0o755
    assert os.readlink(copy / "link") == "/etc/shadow"  # copied as a link, never followed
    assert not (copies / ("k1" + PART)).exists()
    assert cache.copied_bytes >= 300_000


def test_least_recently_used_copies_go_first_and_pinned_ones_never(dirs) -> None:
    store, copies, src, dst = dirs
    for k in ("a", "b", "c", "d"):
        artifact(store, k, 100_000)
    cache = ProgCache(src, dst, 250_000)  # room for two copies
    cache.get("a")
    cache.get("b")
    cache.get("a")  # b is now the least recently used
    cache.get("c")
    assert sorted(os.listdir(copies)) == ["a", "c"]
    cache.get("d", pinned=["a"])  # a is the least recently used but bound: c goes
    assert sorted(os.listdir(copies)) == ["a", "d"]
    assert cache.copies == 4
    assert cache.total <= 250_000
    cache.get("b")  # evicted copies are made again
    assert cache.copies == 5
    assert (copies / "b" / "main").read_bytes() == (store / "b" / "main").read_bytes()


def test_a_program_larger_than_the_budget_is_still_served(dirs) -> None:
    store, copies, src, dst = dirs
    artifact(store, "small", 10)
    artifact(store, "big", 500_000)
    cache = ProgCache(src, dst, 100_000)
    cache.get("small")
    cache.get("big")
    assert os.listdir(copies) == ["big"]


@pytest.mark.parametrize("key", ["", "../k1", "a/b", ".hidden", "..", "k" * 256, None])
def test_keys_that_are_not_one_plain_name_are_refused(dirs, key) -> None:
    store, copies, src, dst = dirs
    artifact(store, "k1")
    with pytest.raises(ValueError):
        ProgCache(src, dst, 1 << 30).get(key)
    assert os.listdir(copies) == []


def test_a_failed_copy_leaves_nothing_behind_and_a_stale_part_is_replaced(dirs) -> None:
    store, copies, src, dst = dirs
    cache = ProgCache(src, dst, 1 << 30)
    with pytest.raises(FileNotFoundError):
        cache.get("absent")
    assert os.listdir(copies) == []
    artifact(store, "k1")
    stale = copies / ("k1" + PART)
    stale.mkdir()
    (stale / "garbage").write_text("left by a crash")
    cache.get("k1")
    assert os.listdir(copies) == ["k1"]
    assert sorted(os.listdir(copies / "k1")) == ["data.txt", "link", "main", "sub"]


def test_a_symlinked_artifact_directory_is_not_followed(dirs, tmp_path: Path) -> None:
    store, copies, src, dst = dirs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret").write_text("host file")
    os.symlink(elsewhere, store / "k1")
    with pytest.raises(OSError):
        ProgCache(src, dst, 1 << 30).get("k1")
    assert os.listdir(copies) == []
