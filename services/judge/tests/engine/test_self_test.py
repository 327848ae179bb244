"""The start-up self-test: a language that cannot echo its input is not offered, and the warning
says why in words an operator can act on (the compiler's own first line, or its limit)."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine


@pytest.fixture
def engine(tmp_path):
    tmp_path.chmod(0o755)
    e = Engine(
        Settings(
            slots=1,
            cache_dir=tmp_path / "cache",
            work_dir=tmp_path / "work",
            sandbox_uid=64300,
            languages="python3,c",
            self_test=False,
        )
    )
    e.start()
    yield e
    e.close()


def test_a_language_whose_self_test_does_not_compile_is_dropped_with_the_compilers_words(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    c = engine.toolchains["c"]
    broken = dataclasses.replace(c.language, self_test="int main(void) { return undeclared_name; }\n")
    engine.toolchains["c"] = dataclasses.replace(c, language=broken)
    with caplog.at_level(logging.WARNING, logger="xcoder_judge.engine.engine"):
        engine._self_test()
    assert sorted(engine.toolchains) == ["python3"]
    warning = next(r.getMessage() for r in caplog.records if "failed its self-test" in r.getMessage())
    assert "language c failed its self-test" in warning
    assert "compilation error: " in warning and "undeclared_name" in warning, warning


def test_a_language_that_echoes_stays_offered(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="xcoder_judge.engine.engine"):
        engine._self_test()
    assert sorted(engine.toolchains) == ["c", "python3"]
    assert not [r for r in caplog.records if "failed its self-test" in r.getMessage()]
