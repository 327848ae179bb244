"""The client speaks the judge's wire contract (xcoder-wire) itself: no copy that could drift."""

from __future__ import annotations

import pytest
import xcoder_client
from pydantic import ValidationError
from xcoder_client.filter import FilterOptions
from xcoder_client.languages import LANGUAGES, judge_language_id
from xcoder_client.reward import RewardConfig
from xcoder_wire import schemas
from xcoder_wire.languages import LANGUAGE_IDS, aliases_of


def test_the_public_models_are_the_wire_models() -> None:
    for name in ("Submission", "SubmissionResult", "TestResult", "Verdict", "Limits", "StdioTest"):
        assert getattr(xcoder_client, name) is getattr(schemas, name), name


def test_every_client_language_maps_to_a_judge_id() -> None:
    assert {lang.judge_id for lang in LANGUAGES.values()} <= LANGUAGE_IDS


def test_judge_names_resolve_as_the_judge_resolves_them() -> None:
    for lang_id in LANGUAGE_IDS:
        for name in (lang_id, *aliases_of(lang_id)):
            assert judge_language_id(name.upper()) == lang_id
    assert judge_language_id("gnu++17") == "cpp17"  # a fence tag the judge's table does not list
    with pytest.raises(ValueError, match="unknown language 'cobol'"):
        judge_language_id("cobol")


@pytest.mark.parametrize("config", [RewardConfig, FilterOptions])
def test_config_limits_stop_at_the_judges_bounds(config) -> None:
    config(time_limit_s=schemas.MAX_TIME_S, memory_mb=schemas.MAX_MEMORY_MB)
    with pytest.raises(ValidationError, match="time_limit_s"):
        config(time_limit_s=schemas.MAX_TIME_S + 1)
    with pytest.raises(ValidationError, match="memory_mb"):
        config(memory_mb=schemas.MIN_MEMORY_MB - 1)
