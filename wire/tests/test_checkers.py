"""Built-in checkers: what each accepts and rejects, and the messages that explain why."""

from __future__ import annotations

import pytest
from xcoder_wire.checkers import compare, value_tolerance, values
from xcoder_wire.schemas import (
    ExactChecker,
    FloatsChecker,
    LinesChecker,
    ProgramChecker,
    TokensChecker,
    Verdict,
)


@pytest.mark.parametrize(
    ("output", "expected", "verdict"),
    [
        (b"1 2\n3\n", b"1 2 3", Verdict.AC),
        (b"  1\t2  3  \n\n", b"1 2 3\n", Verdict.AC),
        (b"1 2", b"1 2 3", Verdict.WA),
        (b"1 2 3 4", b"1 2 3", Verdict.WA),
        (b"YES", b"yes", Verdict.WA),
        (b"", b"", Verdict.AC),
        (b"", b"0", Verdict.WA),
    ],
)
def test_tokens(output: bytes, expected: bytes, verdict: Verdict) -> None:
    assert compare(TokensChecker(), output, expected).verdict == verdict


def test_tokens_messages_name_the_position() -> None:
    assert compare(TokensChecker(), b"1 5 3", b"1 2 3").message == "token 2: expected '2', got '5'"
    assert "ended after 1 tokens; expected 2" in compare(TokensChecker(), b"1", b"1 2").message
    assert "extra output after 1 tokens" in compare(TokensChecker(), b"1 2", b"1").message


def test_tokens_case_insensitive_option() -> None:
    assert compare(TokensChecker(case_sensitive=False), b"YES", b"yes").verdict == Verdict.AC


def test_exact_reports_layout_differences_as_pe() -> None:
    assert compare(ExactChecker(), b"1 2\n", b"1 2\n").verdict == Verdict.AC
    assert compare(ExactChecker(), b"1  2\n", b"1 2\n").verdict == Verdict.PE
    assert compare(ExactChecker(), b"1 2", b"1 2\n").verdict == Verdict.PE
    assert compare(ExactChecker(), b"1 3\n", b"1 2\n").verdict == Verdict.WA


def test_lines_ignores_trailing_space_only() -> None:
    assert compare(LinesChecker(), b"a  \nb\n\n\n", b"a\nb").verdict == Verdict.AC
    assert compare(LinesChecker(), b"a b\n", b"a  b\n").verdict == Verdict.PE
    assert compare(LinesChecker(), b"a\nb\nc", b"a\nb").verdict == Verdict.WA


def test_floats_absolute_or_relative_tolerance() -> None:
    c = FloatsChecker(abs_tol=1e-3, rel_tol=0)
    assert compare(c, b"1.0009", b"1").verdict == Verdict.AC
    assert compare(c, b"1.0011", b"1").verdict == Verdict.WA
    rel = FloatsChecker(abs_tol=0, rel_tol=1e-6)
    assert compare(rel, b"1000000.5", b"1000000").verdict == Verdict.AC
    assert compare(rel, b"0.0000015", b"0.000001").verdict == Verdict.WA
    assert compare(FloatsChecker(), b"1e-7 word", b"0 word").verdict == Verdict.AC
    assert compare(FloatsChecker(), b"1 wrd", b"1 word").verdict == Verdict.WA


def test_floats_nan_never_matches_and_infinities_must_agree() -> None:
    assert compare(FloatsChecker(), b"nan", b"nan").verdict == Verdict.WA
    assert compare(FloatsChecker(), b"1", b"nan").verdict == Verdict.WA
    assert compare(FloatsChecker(), b"inf", b"inf").verdict == Verdict.AC
    assert compare(FloatsChecker(), b"inf", b"-inf").verdict == Verdict.WA
    assert compare(FloatsChecker(), b"abc", b"1.0").verdict == Verdict.WA


def test_program_checker_is_not_a_builtin() -> None:
    with pytest.raises(ValueError, match="sandbox"):
        compare(ProgramChecker(language="cpp17", source="int main(){}"), b"", b"")


def test_call_values_compare_as_json_with_optional_tolerance() -> None:
    assert values.check([1, [2, 3]], [1, [2, 3]]).verdict == Verdict.AC
    assert values.check({"a": 1}, {"a": 1, "b": 2}).verdict == Verdict.WA
    assert values.check(True, 1).verdict == Verdict.WA  # bool is not int
    assert values.check(0.30000000000000004, 0.3).verdict == Verdict.WA
    tol = value_tolerance(FloatsChecker(abs_tol=1e-9))
    assert values.check(0.30000000000000004, 0.3, tol).verdict == Verdict.AC
    assert values.check([1.0], [1], tol).verdict == Verdict.AC
    assert value_tolerance(TokensChecker()) is None
