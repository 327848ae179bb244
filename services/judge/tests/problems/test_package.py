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
    assert "multi-file submissions are not supported" in convert.unsupported(as_c, {"c"})
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
    assert expected["crash.go"] == ["RE"]


def test_validator_flags_reach_the_default_validator() -> None:
    pkg = read_package(FIXTURES / "floatmean")
    assert pkg.validator_flags == ("float_tolerance", "1e-6")
    [(flags, tests)] = convert.groups(pkg)
    sub = convert.submission(pkg, pkg.submissions[0].program, tests, flags, 1.0)
    assert isinstance(sub.checker, KattisChecker) and sub.checker.abs_tol == sub.checker.rel_tol == 1e-6


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


def test_import_writes_judge_submissions(tmp_path: Path, capsys) -> None:
    out = tmp_path / "subs.jsonl"
    assert main(["problem", "import", str(FIXTURES / "domjudge_sum"), "-o", str(out)]) == 0
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 5 and {d["label"] for d in docs} == {"accepted", "mixed"}
    for d in docs:
        sub = Submission.model_validate(d["submission"])
        assert sub.limits.time_s == 2.0 and [t.id for t in sub.tests] == ["sample/1", "secret/1", "secret/2"]
    assert "5 submissions written, 0 skipped" in capsys.readouterr().err
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
