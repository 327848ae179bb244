"""check_submission: the one check of what a node offers, shared by the judge's API and engine."""

from __future__ import annotations

import pytest
from xcoder_wire.admission import LanguageOffer, SubmissionError, check_submission
from xcoder_wire.schemas import Submission

OFFER = LanguageOffer(
    languages=frozenset({"python3", "pypy3", "cpp17"}),
    harness=frozenset({"python3", "pypy3"}),
    where="this node offers",
)


def _sub(**fields) -> Submission:
    return Submission.model_validate({"language": "python3", "source": "print(1)", "tests": [{}], **fields})


def _error(sub: Submission, offer: LanguageOffer = OFFER) -> SubmissionError:
    with pytest.raises(SubmissionError) as err:
        check_submission(sub, offer)
    return err.value


def test_an_offered_submission_comes_back_unchanged() -> None:
    sub = _sub()
    assert check_submission(sub, OFFER) is sub


def test_aliases_become_ids_everywhere_a_language_is_named() -> None:
    sub = _sub(
        language=" Py ",
        checker={"kind": "program", "language": "c++", "source": "int main(){}"},
        interactor={"language": "CPP", "source": "int main(){}"},
    )
    checked = check_submission(sub, OFFER)
    assert (checked.language, checked.checker.language, checked.interactor.language) == (
        "python3",
        "cpp17",
        "cpp17",
    )
    assert sub.language == " Py "  # the caller's model is not changed


def test_an_unknown_or_unoffered_language_names_the_field_and_the_offer() -> None:
    err = _error(_sub(language="cobol"))
    assert (err.loc, err.kind) == (("language",), "unknown_language")
    assert err.msg == "unknown language 'cobol'; this node offers: cpp17, pypy3, python3"
    assert str(err) == f"language: {err.msg}" and isinstance(err, ValueError)
    # A language of the wire table that this node lacks is refused the same way.
    assert _error(_sub(language="rust")).loc == ("language",)


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"checker": {"kind": "program", "language": "go", "source": "x"}}, ("checker", "language")),
        ({"interactor": {"language": "brainfuck", "source": "x"}}, ("interactor", "language")),
    ],
)
def test_checker_and_interactor_languages_are_checked_too(fields, loc) -> None:
    assert _error(_sub(**fields)).loc == loc


def test_call_and_assert_tests_need_a_harness_language() -> None:
    sub = _sub(
        language="cpp17",
        fn_name="f",
        tests=[{"kind": "call", "args": [1], "expected": 1}, {"kind": "assert", "code": "assert f(1)"}],
    )
    err = _error(sub)
    assert (err.loc, err.kind) == (("tests",), "unsupported_test_kind")
    assert err.msg == "assert and call tests run only in pypy3, python3; cpp17 cannot run them"
    assert check_submission(sub.model_copy(update={"language": "pypy3"}), OFFER).language == "pypy3"


def test_an_offered_id_unknown_to_the_wire_table_is_accepted_by_its_id() -> None:
    newer = LanguageOffer(frozenset({"kotlin"}), frozenset(), where="the live workers offer")
    assert check_submission(_sub(language="Kotlin"), newer).language == "kotlin"
    assert _error(_sub(), newer).msg == "unknown language 'python3'; the live workers offer: kotlin"
