"""The C/C++ linker choice and the PCH check: what GCC is really asked to do."""

from __future__ import annotations

import dataclasses

import pytest
from xcoder_judge.engine import pch
from xcoder_judge.engine.languages import detect, linkers


def test_auto_takes_the_fastest_installed_linker():
    installed = [n for n in linkers.PREFERENCE if linkers.present(n)]
    assert linkers.pick("auto") == (installed[0] if installed else "bfd")
    assert linkers.pick("bfd") == "bfd" and linkers.ARGS["bfd"] == ()


def test_a_configured_linker_that_is_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(linkers, "SEARCH_PATH", "/nonexistent")
    with pytest.raises(ValueError, match=r"ld\.mold is not installed"):
        linkers.pick("mold")
    assert linkers.pick("auto") == "bfd"


def test_only_gcc_driven_languages_take_linker_flags():
    tcs = detect(frozenset({"c", "cpp17", "cpp20", "rust", "go"}))
    assert {i for i, tc in tcs.items() if tc.language.links} == {"c", "cpp17", "cpp20"} & set(tcs)


def test_pch_is_checked_to_be_used_with_the_submission_flags(tmp_path):
    tc = detect(frozenset({"cpp17"}))["cpp17"]
    assert pch.build(tc, tmp_path) is not None
    ok, text = pch.used(tc, tmp_path)
    assert ok, text
    # The same PCH under other flags (no -O2): GCC would ignore it, and the check says so.
    lang = dataclasses.replace(tc.language, compile=tuple(p for p in tc.language.compile if p != "-O2"))
    ok, text = pch.used(dataclasses.replace(tc, language=lang), tmp_path)
    assert not ok and "not used" in text
