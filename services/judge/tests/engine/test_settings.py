"""The engine's settings: its own fields of the one XCODER_JUDGE_* configuration, nothing more."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.engine.settings import EngineSettings


def test_the_engine_keeps_only_its_own_fields_of_the_service_settings() -> None:
    service = Settings(redis_url="redis://:secret@db:6379/0", api_keys="k1,k2", slots=3, pch=False)
    engine = Engine(service)  # not started: nothing runs
    assert type(engine.settings) is EngineSettings
    assert not hasattr(engine.settings, "redis_url") and not hasattr(engine.settings, "api_keys")
    assert "secret" not in repr(engine.settings)
    assert (engine.settings.slots, engine.settings.pch) == (3, False)
    assert engine.settings.model_dump() == {
        name: getattr(service, name) for name in EngineSettings.model_fields
    }


def test_engine_fields_are_read_from_the_same_environment_and_bounded_once(monkeypatch) -> None:
    monkeypatch.setenv("XCODER_JUDGE_SLOTS", "5")
    monkeypatch.setenv("XCODER_JUDGE_LANGUAGES", "c, python3")
    settings = EngineSettings.of(Settings())
    assert settings.slots == 5 and settings.language_allow_list == frozenset({"c", "python3"})
    assert EngineSettings().languages is None  # the model itself reads no environment
    for model in (Settings, EngineSettings):
        with pytest.raises(ValidationError, match="sandbox_uid"):
            model(sandbox_uid=0)


def test_engine_settings_pass_through_unchanged() -> None:
    own = EngineSettings(slots=2)
    assert EngineSettings.of(own) is own
