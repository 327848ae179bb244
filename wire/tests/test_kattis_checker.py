"""The `kattis` checker gives the Kattis/DOMjudge default validator's verdicts.

The reference's own cases (fixtures/kattis_default_validator, MIT, from problemtools) pin the
behaviour; the cases below add what they do not cover (NaN as a string, hex floats, overflow).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from xcoder_wire.checkers import compare, kattis
from xcoder_wire.schemas import KattisChecker, Submission, Verdict

REFERENCE = Path(__file__).parent / "fixtures" / "kattis_default_validator"
REFERENCE_CASES = sorted(p for p in REFERENCE.iterdir() if p.is_dir())


def test_the_reference_cases_are_there() -> None:
    assert len(REFERENCE_CASES) >= 20
    codes = {(p / "expected_exit_code.txt").read_text().strip() for p in REFERENCE_CASES}
    assert codes == {"42", "43"}


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=[p.name for p in REFERENCE_CASES])
def test_agrees_with_the_reference_validator(case: Path) -> None:
    args = case / "args.txt"
    checker = kattis.from_flags(args.read_text() if args.exists() else "")
    want = {"42": Verdict.AC, "43": Verdict.WA}[(case / "expected_exit_code.txt").read_text().strip()]
    outcome = compare(checker, (case / "user.out").read_bytes(), (case / "judge.ans").read_bytes())
    assert outcome.verdict == want, outcome.message


def K(**kw) -> KattisChecker:
    return KattisChecker(**kw)


@pytest.mark.parametrize(
    ("checker", "output", "expected", "verdict"),
    [
        (K(), b"YES\n", b"yes\n", Verdict.AC),  # case-insensitive by default
        (K(case_sensitive=True), b"YES\n", b"yes\n", Verdict.WA),
        (K(), b"1 2\n\n3", b"1\t2 3\n", Verdict.AC),
        (K(space_change_sensitive=True), b"1 2\n", b"1 2", Verdict.WA),  # trailing newline counts
        (K(space_change_sensitive=True), b"1  2\n", b"1 2\n", Verdict.WA),
        (K(space_change_sensitive=True), b"1 2\n", b"1 2\n", Verdict.AC),
        (K(space_change_sensitive=True), b" 1\n", b"1\n", Verdict.WA),
        # NaN and inf are not floats for the reference: strings, compared case-insensitively.
        (K(float_tolerance=1e-6), b"nan\n", b"NaN\n", Verdict.AC),
        (K(float_tolerance=1e-6, case_sensitive=True), b"nan\n", b"NaN\n", Verdict.WA),
        (K(float_tolerance=1e-6), b"Inf\n", b"inf\n", Verdict.AC),
        (K(float_tolerance=1e-6), b"1e999\n", b"5\n", Verdict.WA),  # overflows: not a float
        # a finite answer token takes any float syntax strtod reads, hex included
        (K(float_tolerance=1e-6), b"2.0e2\n", b"200\n", Verdict.AC),
        (K(float_tolerance=1e-6), b"0x1.8p1\n", b"3\n", Verdict.AC),
        (K(float_tolerance=1e-6), b"1_0\n", b"10\n", Verdict.WA),  # Python's float() would take it
        (K(), b"2.0\n", b"2\n", Verdict.WA),  # no tolerance: numbers are strings
        (K(float_absolute_tolerance=0.1), b"1.05\n", b"1\n", Verdict.AC),
        (K(float_absolute_tolerance=0.1), b"1.2\n", b"1\n", Verdict.WA),
        (K(float_relative_tolerance=0.1), b"105\n", b"100\n", Verdict.AC),
        (K(float_relative_tolerance=0.1), b"0.05\n", b"0\n", Verdict.WA),  # relative to 0 is 0
        (K(float_tolerance=0.5, float_absolute_tolerance=0.0), b"1.2\n", b"1\n", Verdict.AC),  # rel holds
        (K(float_tolerance=0.1), b"x\n", b"1.0\n", Verdict.WA),
        (K(float_tolerance=0.1), b"abc\n", b"ABC\n", Verdict.AC),
        (K(), b"", b"", Verdict.AC),
        (K(), b"  \n", b"1", Verdict.WA),
        (K(), b"1 2", b"1", Verdict.WA),
    ],
)
def test_semantics(checker: KattisChecker, output: bytes, expected: bytes, verdict: Verdict) -> None:
    outcome = compare(checker, output, expected)
    assert outcome.verdict == verdict, outcome.message


def test_messages_name_the_token() -> None:
    assert compare(K(), b"1 5", b"1 2").message == "token 2: expected '2', got '5'"
    assert "output ended" in compare(K(), b"1", b"1 2").message
    assert "trailing output: '9'" in compare(K(), b"1 9", b"1").message
    assert "expected a float" in compare(K(float_tolerance=1e-3), b"x", b"1.5").message


def test_flags_parse_like_the_reference() -> None:
    c = kattis.from_flags(["float_tolerance", "1e-4", "case_sensitive"])
    assert (c.abs_tol, c.rel_tol, c.case_sensitive, c.space_change_sensitive) == (1e-4, 1e-4, True, False)
    c = kattis.from_flags("float_tolerance 0.5 float_absolute_tolerance 0.1")
    assert (c.abs_tol, c.rel_tol) == (0.1, 0.5)
    c = kattis.from_flags("float_absolute_tolerance 0.1 float_tolerance 0.5")  # the later flag wins
    assert (c.abs_tol, c.rel_tol) == (0.5, 0.5)
    assert kattis.from_flags([]) == KattisChecker()
    for bad in ("float_tolerance", "float_tolerance x", "float_tolerance -1", "ignore_case"):
        with pytest.raises(ValueError, match="validator_flags"):
            kattis.from_flags(bad)


def test_the_wire_takes_the_kattis_kind_and_refuses_bad_tolerances() -> None:
    sub = Submission.model_validate(
        {
            "language": "python3",
            "source": "print(1)",
            "tests": [{"input": "", "expected": "1"}],
            "checker": {"kind": "kattis", "float_tolerance": 1e-6},
        }
    )
    assert isinstance(sub.checker, KattisChecker)
    with pytest.raises(ValidationError):
        KattisChecker(float_tolerance=-1)
    with pytest.raises(ValidationError):
        KattisChecker.model_validate({"kind": "kattis", "float_tol": 1})
