"""Request-supplied files reach the box's work directory as new entries of it and nothing else.

The box is root with a writable /proc, so a name like `../proc/sys/kernel/hostname` joined to
/box would write there. The schema refuses such names (wire tests); the box refuses them again
and writes through a directory descriptor with O_EXCL|O_NOFOLLOW under the program's uid.
These tests call the box's writer directly on host directories: no submitted code runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from xcoder_judge.engine.sandbox.box_os import write_work_files
from xcoder_wire.schemas import Interactor, ProgramChecker

BAD_NAMES = [
    "../escape",
    "..",
    "a..b",
    "-o",
    ".hidden",
    "a/b",
    "/etc/passwd",
    "",
    "x" * 129,
    "nul\x00",
    "line\n",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused_before_anything_is_written(tmp_path: Path, name: str):
    work = tmp_path / "box"
    work.mkdir()
    with pytest.raises(ValueError, match="bad work file name"):
        write_work_files(str(work), {"ok.h": b"1", name: b"pwned"}, None)
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escape").exists()


def test_a_planted_link_is_not_followed(tmp_path: Path):
    work = tmp_path / "box"
    work.mkdir()
    target = tmp_path / "target"
    target.write_text("keep")
    (work / "testlib.h").symlink_to(target)
    with pytest.raises(FileExistsError):
        write_work_files(str(work), {"testlib.h": b"pwned"}, None)
    assert target.read_text() == "keep"


def test_files_are_written_whole(tmp_path: Path):
    data = {"a.h": b"x" * (1 << 20), "b+c-d_e.txt": b""}
    write_work_files(str(tmp_path), data, None)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == data


def test_written_as_the_programs_uid(tmp_path: Path):
    assert os.geteuid() == 0, "the judge's tests run as root (the sandbox needs it)"
    uid = 61999
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chown(mine, uid, uid)
    write_work_files(str(mine), {"f.h": b"1"}, uid)
    st = (mine / "f.h").stat()
    assert (st.st_uid, st.st_gid) == (uid, uid)
    root_only = tmp_path / "root_only"
    root_only.mkdir(mode=0o755)
    with pytest.raises(PermissionError):  # checked as the program's uid, not as root
        write_work_files(str(root_only), {"f.h": b"1"}, uid)
    assert os.getuid() == 0 and os.geteuid() == 0
    (tmp_path / "after").write_text("root can still write")  # the fsuid was restored
    assert (tmp_path / "after").stat().st_uid == 0


@pytest.mark.parametrize("name", [*BAD_NAMES, "testlib.h", "Main.java", "a_b-c+1.txt", "9x"])
def test_the_schema_and_the_box_agree_on_names(tmp_path: Path, name: str):
    try:
        ProgramChecker(language="cpp", source="x", files={name: "1"})
        Interactor(language="cpp", source="x", files={name: "1"})
        schema_ok = True
    except ValidationError:
        schema_ok = False
    try:
        write_work_files(str(tmp_path), {name: b"1"}, None)
        box_ok = True
    except ValueError:
        box_ok = False
    assert schema_ok == box_ok
    assert schema_ok == (name in ("testlib.h", "Main.java", "a_b-c+1.txt", "9x"))
