"""eval/lcb.py: LiveCodeBench release files → problems with their judge tests."""

from __future__ import annotations

import json
from datetime import date

import pytest
from xcoder_client.testcases import parse_tests
from xcoder_wire.schemas import CallTest, StdioTest

from eval import lcb


def ids(problems):
    return [p.question_id for p in problems]


def test_releases_are_cumulative_and_increments_are_single_files(fixtures):
    folder = fixtures / "lcb"
    assert ids(lcb.load_problems(folder, release="release_v1")) == ["abc999_a", "9001"]
    assert ids(lcb.load_problems(folder, release="release_v2")) == ["abc999_a", "9001", "2099C", "abc1000_a"]
    assert ids(lcb.load_problems(folder, release="v2")) == ["2099C", "abc1000_a"]
    assert ids(lcb.load_problems(folder, release="release_latest")) == ids(
        lcb.load_problems(folder, release=None)
    )
    assert len(lcb.load_problems(folder, release="release_latest")) == 4
    with pytest.raises(FileNotFoundError, match=r"test3\.jsonl"):
        lcb.load_problems(folder, release="release_v3")
    with pytest.raises(ValueError, match="unknown release"):
        lcb.load_problems(folder, release="latest")


def test_windows_and_filters(fixtures):
    folder = fixtures / "lcb"
    v5 = lcb.load_problems(folder, release="release_v2", window="v5")
    assert ids(v5) == ["abc999_a", "9001", "2099C"]  # 2024-08-01 <= date < 2025-02-01
    assert ids(lcb.load_problems(folder, release="release_v2", window="v6")) == ["abc1000_a"]
    custom = lcb.load_problems(
        folder, release="release_v2", start_date=date(2024, 11, 30), end_date=date(2025, 3, 8)
    )
    assert ids(custom) == ["9001", "2099C"]  # start inclusive, end exclusive
    assert ids(lcb.load_problems(folder, release="release_v2", difficulties=["Medium"])) == [
        "9001",
        "abc1000_a",
    ]
    assert ids(lcb.load_problems(folder, release="release_v2", platforms=["atcoder"])) == [
        "abc999_a",
        "abc1000_a",
    ]


def test_problem_fields_and_tests_including_compressed_private_ones(fixtures):
    problems = {p.question_id: p for p in lcb.load_problems(fixtures / "lcb", release="release_v2")}
    fn = problems["9001"]
    assert fn.fn_name == "twoLargestSum" and fn.functional and fn.platform == "leetcode"
    assert fn.contest_date == date(2024, 11, 30) and fn.month == "2024-11" and fn.difficulty == "medium"
    suite = parse_tests(fn.row)
    assert suite.fn_name == "twoLargestSum"
    assert suite.tests == [
        CallTest(args=[[1, 5, 3]], expected=8),
        CallTest(args=[[-4, -2, -9]], expected=-6),
        CallTest(args=[[7, 7]], expected=14),
    ]
    fib = problems["2099C"]
    assert not fib.functional
    # public test + the two base64/zlib/pickle-compressed private tests, decoded without unpickling
    assert parse_tests(fib.row).tests == [
        StdioTest(input="10\n", expected="55\n"),
        StdioTest(input="1\n", expected="1\n"),
        StdioTest(input="100000\n", expected="911435502\n"),
    ]


def test_bad_files_are_reported_with_their_line(tmp_path):
    folder = tmp_path / "lcb"
    folder.mkdir()
    (folder / "test.jsonl").write_text('{"question_id": "x"}\n')
    with pytest.raises(ValueError, match=r"test.jsonl:1: not a LiveCodeBench row"):
        lcb.load_problems(folder, release="release_v1")
    row = {"question_id": "x", "question_content": "c", "contest_date": "yesterday"}
    (folder / "test.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match="not an ISO date"):
        lcb.load_problems(folder, release="release_v1")
    row["contest_date"] = "2024-01-01T00:00:00"
    (folder / "test.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ValueError, match="question_id x also in"):
        lcb.load_problems(folder, release="release_v1")


def test_prompts(fixtures):
    problems = {p.question_id: p for p in lcb.load_problems(fixtures / "lcb", release="release_v1")}
    stdin_msgs = lcb.build_messages(problems["abc999_a"])
    assert [m["role"] for m in stdin_msgs] == ["system", "user"]
    assert stdin_msgs[1]["content"].startswith("You are given two integers A and B")
    assert "standard input" in stdin_msgs[1]["content"]
    fn_msgs = lcb.build_messages(problems["9001"], style="plain")
    assert [m["role"] for m in fn_msgs] == ["user"]
    assert fn_msgs[0]["content"].endswith(
        "```python\nclass Solution:\n    def twoLargestSum(self, nums: List[int]) -> int:\n```"
    )
    with pytest.raises(ValueError):
        lcb.build_messages(problems["9001"], style="chatty")
