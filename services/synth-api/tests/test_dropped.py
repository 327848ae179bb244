"""The one Dropped type: a closed reason vocabulary every stage and helper shares."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xcoder_synth.dropped import DECONTAM_REASONS, Dropped, DropReason
from xcoder_synth.llm.parsing import ReplyParseError, parse_json_object


def test_an_unknown_reason_is_an_error_not_a_new_bucket():
    with pytest.raises(ValidationError):
        Dropped(reason="too_few_test")  # a typo of too_few_tests
    assert Dropped(reason="too_few_tests").reason is DropReason.TOO_FEW_TESTS


@pytest.mark.parametrize("reply", ["no json here", "{ nope", "<think> unfinished"])
def test_every_parse_failure_has_a_reason_code(reply):
    with pytest.raises(ReplyParseError) as exc:
        parse_json_object(reply)
    assert DropReason.parse(exc.value.reason).value == f"parse_{exc.value.reason}"


@pytest.mark.parametrize("failure", ["schema_mismatch", "invalid_content", "truncated"])
def test_structured_reply_failures_have_reason_codes(failure):
    assert DropReason.parse(failure).value == f"parse_{failure}"


def test_reasons_compare_and_serialise_as_their_codes():
    d = Dropped(reason=DropReason.NEAR_DUPLICATE_EVAL, detail="cosine 0.97")
    assert d.reason == "near_duplicate_eval" and str(d.reason) == "near_duplicate_eval"
    assert d.model_dump(mode="json")["reason"] == "near_duplicate_eval"
    assert "near_duplicate_eval" in DECONTAM_REASONS and "too_few_tests" not in DECONTAM_REASONS
