"""`problem check` on real problem packages, through the real engine: verdicts = folder labels.

The packages are committed fixtures (fixtures/problems/README.md: four from Kattis/problemtools,
three authored here); nothing is fetched. Every program runs in the judge's sandbox.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from xcoder_judge.cli import main
from xcoder_judge.problems import read_package
from xcoder_judge.problems.check import check_package

FIXTURES = Path(__file__).parents[1] / "fixtures" / "problems"


def _rows(report) -> dict[str, object]:
    return {r.path.removeprefix("submissions/"): r for r in report.rows}


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "name", ["hello", "different", "guess", "oddecho", "floatmean", "doubling", "domjudge_sum"]
)
def test_every_judged_label_is_reproduced(name: str, suite_engine) -> None:
    report = check_package(suite_engine, read_package(FIXTURES / name), suite_engine.toolchains)
    wrong = [f"{r.path}: {r.verdict} {r.tests} ({r.message})" for r in report.rows if r.agrees is False]
    assert not wrong, f"{name}: labels not reproduced\n" + "\n".join(wrong) + "\n" + report.text()
    assert report.ok and sum(1 for r in report.rows if r.agrees) >= 3
    rows = _rows(report)
    if name == "hello":
        kotlin = rows["accepted/hello.kt"]
        if "kotlin" in suite_engine.toolchains:  # judged like any other label
            assert (kotlin.skipped, kotlin.verdict) == ("", "AC")
        else:  # listed, with the reason, never hidden
            assert kotlin.skipped.startswith("skipped by language: Kotlin")
        assert rows["run_time_error/memory_limit.cc"].verdict in ("MLE", "RE")
    if name == "guess":  # the precedence table on Kattis' own interactive examples
        assert rows["wrong_answer/GuessCrash.java"].verdict == "WA"  # NoSuchElementException after WA
        assert rows["wrong_answer/guess_tle.cc"].verdict == "WA"  # spins after WA
        assert rows["wrong_answer/guess_0.cc"].verdict == "WA"  # SIGPIPE after WA
        assert rows["run_time_error/guess_rte.c"].verdict == "RE"  # exits 42 first
        assert rows["run_time_error/guess_rte_after_correct.cc"].verdict == "RE"
    if name == "floatmean":
        assert rows["wrong_answer/zero_for_empty.py"].tests[1] == "WA"  # a number is not "NaN"
        assert rows["accepted/mean.py"].tests[1] == "AC"  # "nan" is, case-insensitively
    if name == "doubling":
        row = rows["wrong_answer/first_pass_only.py"]
        assert row.verdict == "WA" and "pass 2" in row.message
    if name == "different":
        assert report.time_limit >= 1 and "slowest accepted" in report.time_limit_from
    if name == "domjudge_sum":
        assert report.time_limit == 2.0 and report.time_limit_from == "from the package"
        for multi in ("accepted/multi_py", "accepted/multi_cpp", "accepted/multi_pas"):
            assert (rows[multi].skipped, rows[multi].verdict) == ("", "AC"), multi  # several files, judged
        assert rows["mixed/look_at_me.py"].skipped.startswith("DOMjudge: CHECK-MANUALLY")


def _mislabelled(tmp_path: Path) -> Path:
    pkg = tmp_path / "sum"
    shutil.copytree(FIXTURES / "domjudge_sum", pkg)
    (pkg / "submissions/accepted/off_by_one.py").write_text("print(sum(map(int, input().split())) + 1)\n")
    return pkg


@pytest.mark.timeout(600)
def test_a_wrong_label_is_reported_and_fails(tmp_path: Path, suite_engine) -> None:
    report = check_package(suite_engine, read_package(_mislabelled(tmp_path)), suite_engine.toolchains)
    assert not report.ok
    row = _rows(report)["accepted/off_by_one.py"]
    assert (row.verdict, row.agrees, row.tests) == ("WA", False, ["WA", "WA", "WA"])
    assert "accepted/off_by_one.py" in report.text() and "DISAGREES (expected AC)" in report.text()
    scaled = check_package(
        suite_engine, read_package(FIXTURES / "domjudge_sum"), suite_engine.toolchains, time_scale=1.5
    )
    assert scaled.ok and scaled.time_limit == 3.0 and "scaled by 1.5" in scaled.time_limit_from


@pytest.mark.timeout(600)
def test_the_command_exits_1_on_disagreement(tmp_path: Path, suite_uid_base: int, capsys) -> None:
    pkg = _mislabelled(tmp_path)
    flags = ["--slots", "2", "--sandbox-uid", str(suite_uid_base + 150)]
    flags += ["--cache-dir", str(tmp_path / "cache"), "--work-dir", str(tmp_path / "work")]
    assert main(["problem", "check", str(pkg), "--json", *flags]) == 1
    out = capsys.readouterr().out
    assert '"ok": false' in out and '"path": "submissions/accepted/off_by_one.py"' in out
    assert main(["problem", "check", str(tmp_path / "missing"), *flags]) == 2
    assert "not a directory" in capsys.readouterr().err
