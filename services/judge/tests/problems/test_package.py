"""Reading problem packages: the fixtures as problemtools reads them, and clear errors otherwise.

No program runs here (test_check.py judges the fixtures through the engine).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from xcoder_judge.cli import main
from xcoder_judge.problems import PackageError, convert, read_package
from xcoder_judge.problems.check import judge_one
from xcoder_judge.problems.languages import detect
from xcoder_wire.schemas import Interactor, KattisChecker, ProgramChecker, Submission

FIXTURES = Path(__file__).parents[1] / "fixtures" / "problems"


def test_hello_legacy_default_validator() -> None:
    pkg = read_package(FIXTURES / "hello")
    assert (pkg.format_version, pkg.interactive, pkg.multi_pass, pkg.validator) == (
        "legacy",
        False,
        False,
        None,
    )
    assert (pkg.memory_mb, pkg.ac_to_time_limit, pkg.time_limit_to_tle, pkg.time_limit) == (
        512,
        5.0,
        2.0,
        None,
    )
    assert [t.name for t in pkg.tests] == ["secret/hello"]
    labels = {s.path.split("/", 1)[1]: s.label for s in pkg.submissions}
    assert (
        labels["accepted/hello.kt"] == "accepted"
        and labels["run_time_error/memory_limit.cc"] == "run_time_error"
    )
    sub = convert.submission(pkg, pkg.submissions[0].program, pkg.tests, (), 1.0)
    assert sub.checker == KattisChecker() and sub.limits.memory_mb == 512 and sub.limits.stack_mb == 512


def test_different_custom_validator_with_its_header() -> None:
    pkg = read_package(FIXTURES / "different")
    assert pkg.validator is not None and pkg.validator.language.id == "cpp17"
    assert set(pkg.validator.files) == {"validate.h"} and "main" in pkg.validator.source
    assert [t.name for t in pkg.tests] == ["sample/1", "secret/01", "secret/02_extreme_cases"]
    assert pkg.ac_to_time_limit == 5.0 and pkg.time_limit_to_tle == 4.0  # time_safety_margin: 4
    sub = convert.submission(pkg, pkg.submissions[2].program, pkg.tests, (), 1.0)
    assert isinstance(sub.checker, ProgramChecker) and sub.checker.protocol == "kattis"
    prolog = next(s for s in pkg.submissions if s.path.endswith("prolog"))
    assert prolog.program is not None and prolog.program.language.name == "Prolog"
    as_c = dataclasses.replace(prolog.program, language=detect("main.c", ""))
    assert convert.unsupported(as_c, {"c"}) == ""  # a multi-file program is judged, files and all
    multi = convert.submission(pkg, as_c, pkg.tests, (), 1.0)
    assert multi.files == as_c.files and multi.source == as_c.source
    assert "C (c) is not installed on this node" in convert.unsupported(as_c, {"cpp17"})
    notes = dataclasses.replace(as_c, language=detect("README.md", ""), files={})
    assert convert.unsupported(notes, {"c"}) == "skipped: not a program (.md file)"
    assert "Prolog is not offered" in convert.unsupported(prolog.program, {"c"})
    py2 = next(s for s in pkg.submissions if s.path.endswith("different_py2.py"))
    assert py2.program is not None and py2.program.language.name == "Python 2"


def test_guess_interactive_2023_format() -> None:
    pkg = read_package(FIXTURES / "guess")
    assert pkg.format_version == "2023-07-draft" and pkg.interactive and not pkg.multi_pass
    assert (pkg.memory_mb, pkg.ac_to_time_limit, pkg.time_limit_to_tle) == (2048, 2.0, 4.0)
    assert len(pkg.tests) == 10  # the samples have only .interaction files: shown, not run
    sub = convert.submission(pkg, pkg.submissions[0].program, pkg.tests, (), 1.0)
    assert isinstance(sub.interactor, Interactor) and sub.interactor.protocol == "kattis"
    assert sub.limits.stack_mb == 1024  # the JVM refuses more


def test_oddecho_groups_and_symlinked_data() -> None:
    pkg = read_package(FIXTURES / "oddecho")
    names = [t.name for t in pkg.tests]
    assert names[:2] == ["sample/1", "sample/2"] and "secret/subtask2/1" in names and len(names) == 18
    linked = next(t for t in pkg.tests if t.name == "secret/subtask2/1")
    assert linked.input == (FIXTURES / "oddecho/data/secret/subtask1/1.in").read_text()
    part = next(s for s in pkg.submissions if s.label == "partially_accepted")
    assert "AC" not in part.expected


def test_multi_pass_and_domjudge_variant() -> None:
    pkg = read_package(FIXTURES / "doubling")
    assert pkg.multi_pass and pkg.validation_passes == 3 and pkg.validator is not None
    sub = convert.submission(pkg, pkg.submissions[0].program, pkg.tests, (), 1.0)
    assert sub.passes == 3 and isinstance(sub.checker, ProgramChecker)
    dj = read_package(FIXTURES / "domjudge_sum")
    assert dj.domjudge and dj.time_limit == 2.0
    expected = {s.path.rsplit("/", 1)[1]: sorted(s.expected) for s in dj.submissions}
    assert expected["int_overflow.c"] == ["WA"] and expected["timeout_or_wrong.js"] == ["TLE", "WA"]
    assert expected["crash.go"] == ["MLE", "RE"]  # DOMjudge reports memory as a run error
    assert expected["score_tag.py"] == ["AC"]  # @EXPECTED_SCORE@ is the same tag
    by_name = {s.path.rsplit("/", 1)[1]: s for s in dj.submissions}
    assert by_name["look_at_me.py"].reason.startswith("DOMjudge: CHECK-MANUALLY")
    assert by_name["off.py.disabled"].reason == "disabled in the package (.disabled)"  # BAPCtools
    py = by_name["multi_py"].program  # submissions.json names the entry point; arith.py sorts first
    assert py is not None and "from arith import add" in py.source and set(py.files) == {"arith.py"}
    pas = by_name["multi_pas"].program  # the Pascal program, not its unit
    assert pas is not None and "program sum(input, output);" in pas.source and set(pas.files) == {"adder.pas"}
    cpp = by_name["multi_cpp"].program
    assert cpp is not None and cpp.language.id == "cpp17" and set(cpp.files) == {"add.h"}


def test_validator_flags_reach_the_default_validator() -> None:
    pkg = read_package(FIXTURES / "floatmean")
    assert pkg.validator_flags == ("float_tolerance", "1e-6")
    [(flags, tests)] = convert.groups(pkg)
    sub = convert.submission(pkg, pkg.submissions[0].program, tests, flags, 1.0)
    assert isinstance(sub.checker, KattisChecker) and sub.checker.abs_tol == sub.checker.rel_tol == 1e-6


def test_2023_and_2025_formats_give_the_flags_as_output_validator_args(tmp_path: Path) -> None:
    """BAPCtools' fltcmp (2025-09) sets its tolerance in data/test_group.yaml as
    output_validator_args; read only problem.yaml, its accepted submission was WA."""
    pkg = _copy(tmp_path, "floatmean")
    (pkg / "problem.yaml").write_text("problem_format_version: 2025-09\nname: Float Mean\n")
    (pkg / "data/test_group.yaml").write_text('output_validator_args: [float_tolerance, "1E-6"]\n')
    (pkg / "data/secret/testdata.yaml").write_text("output_validator_args: float_absolute_tolerance 0.5\n")
    flags = {t.name: t.flags for t in read_package(pkg).tests}
    assert flags["sample/1"] == ("float_tolerance", "1E-6")  # the group file at data/ reaches all
    assert flags["secret/01_empty"] == ("float_absolute_tolerance", "0.5")  # a deeper one wins
    (pkg / "data/test_group.yaml").write_text("output_validator_args: {float_tolerance: 1}\n")
    with pytest.raises(PackageError, match=r"test_group\.yaml: output_validator_args: flags must be"):
        read_package(pkg)


@pytest.mark.parametrize(
    ("name", "text", "lang"),
    [
        ("a.cc", "", "cpp17"),
        ("a.py", "#!/usr/bin/env python3\n", "python3"),
        ("a.py", "#!/usr/bin/env python2\n", None),
        ("Main.java", "", "java"),
        ("a.kt", "", "kotlin"),
        ("a.pl", "#!/usr/bin/perl\n", "perl"),
        ("a.pl", "", None),  # problemtools reads *.pl as Prolog, which the judge does not offer
        ("a.ml", "", None),
    ],
)
def test_languages_by_extension_and_shebang(name: str, text: str, lang: str | None) -> None:
    assert detect(name, text).id == lang


def _copy(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(FIXTURES / name, dst, symlinks=True)
    return dst


def test_broken_packages_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=r"no problem\.yaml"):
        read_package(tmp_path)
    pkg = _copy(tmp_path, "domjudge_sum")
    (pkg / "data/secret/1.ans").unlink()
    with pytest.raises(PackageError, match=r"secret/1.in: no .ans beside it"):
        read_package(pkg)
    pkg = _copy(tmp_path, "guess")
    shutil.rmtree(pkg / "output_validator")
    with pytest.raises(PackageError, match="needs an output validator"):
        read_package(pkg)
    pkg = _copy(tmp_path, "floatmean")
    (pkg / "problem.yaml").write_text("validator_flags: float_tolerance\n")
    with pytest.raises(PackageError, match="float_tolerance needs a non-negative number"):
        read_package(pkg)
    (pkg / "data/secret/testdata.yaml").write_text("output_validator_flags: ignore_case\n")
    (pkg / "problem.yaml").write_text("name: x\n")
    with pytest.raises(PackageError, match="unknown flag 'ignore_case'"):
        read_package(pkg)
    (pkg / "problem.yaml").write_text("limits: [1]\n")
    with pytest.raises(PackageError, match="limits must be a mapping"):
        read_package(pkg)
    pkg = _copy(tmp_path / "entry", "domjudge_sum")
    (pkg / "submissions.json").write_text('{"submissions/accepted/multi_py/": {"entry_point": "gone.py"}}')
    with pytest.raises(PackageError, match=r"submissions/accepted/multi_py has no entry point 'gone.py'"):
        read_package(pkg)
    (pkg / "submissions.json").write_text("{not json")
    with pytest.raises(PackageError, match=r"submissions.json: not valid JSON"):
        read_package(pkg)


class _NeverJudges:
    """An engine that must not be reached: the submission is refused before anything runs."""

    def judge(self, submission: object) -> None:
        raise AssertionError("judged a submission the wire refuses")


def test_a_source_the_wire_refuses_is_listed_with_the_reason(tmp_path: Path, capsys) -> None:
    """DOMjudge's hello has a C 'source' of binary bytes (expected: compiler error). The wire
    refuses NUL bytes, so it cannot be judged: a skipped row with the reason, not a stack trace."""
    pkg = _copy(tmp_path, "domjudge_sum")
    (pkg / "submissions/mixed/binary.c").write_bytes(
        b"\x00\x01\x02 /* @EXPECTED_RESULTS@: COMPILER-ERROR */\n"
    )
    package = read_package(pkg)
    sub = next(s for s in package.submissions if s.path.endswith("binary.c"))
    assert sub.expected == {"CE"}
    row = judge_one(_NeverJudges(), package, sub, 2.0, frozenset({"c"}))
    assert row.verdict is None and row.agrees is None
    assert "not a submission the judge accepts" in row.skipped and "NUL byte" in row.skipped
    assert main(["problem", "import", str(pkg), "-o", str(tmp_path / "out.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "binary.c: skipped:" in err and "9 submissions written, 3 skipped" in err


def test_import_writes_judge_submissions(tmp_path: Path, capsys) -> None:
    out = tmp_path / "subs.jsonl"
    assert main(["problem", "import", str(FIXTURES / "domjudge_sum"), "-o", str(out)]) == 0
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 9 and {d["label"] for d in docs} == {"accepted", "mixed"}
    for d in docs:
        sub = Submission.model_validate(d["submission"])
        assert sub.limits.time_s == 2.0 and [t.id for t in sub.tests] == ["sample/1", "secret/1", "secret/2"]
    multi = next(d["submission"] for d in docs if d["path"] == "submissions/accepted/multi_cpp")
    assert set(multi["files"]) == {"add.h"}  # the header travels with the submission
    assert "9 submissions written, 2 skipped" in capsys.readouterr().err  # CHECK-MANUALLY, .disabled
    # no time limit in the package and none given: a clear error, exit 2
    assert main(["problem", "import", str(FIXTURES / "hello")]) == 2
    assert "give --time-limit" in capsys.readouterr().err
    assert main(["problem", "import", str(FIXTURES / "hello"), "--time-limit", "1", "-o", str(out)]) == 0
    assert "8 submissions written, 0 skipped" in capsys.readouterr().err  # Kotlin included
    assert main(["problem", "import", str(FIXTURES / "different"), "--time-limit", "1", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "different.ml: skipped by language: OCaml is not offered" in err, err
    assert main(["problem", "import", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
