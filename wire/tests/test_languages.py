"""The one table of language ids and aliases."""

from __future__ import annotations

from xcoder_wire.languages import LANGUAGE_ALIASES, LANGUAGE_IDS, aliases_of, resolve_alias


def test_names_are_lower_case_and_unique_across_the_table() -> None:
    names = [name for lang_id, aliases in LANGUAGE_ALIASES.items() for name in (lang_id, *aliases)]
    assert len(names) == len(set(names))
    assert all(name == name.strip().lower() and name for name in names)


def test_every_name_resolves_to_its_id_whatever_the_case_and_spacing() -> None:
    for lang_id in LANGUAGE_IDS:
        for name in (lang_id, *aliases_of(lang_id)):
            assert resolve_alias(name) == lang_id
            assert resolve_alias(f" {name.upper()}\n") == lang_id


def test_common_names_and_unknown_ones() -> None:
    assert resolve_alias("cpp") == "cpp17"
    assert resolve_alias("C++20") == "cpp20"
    assert resolve_alias("node") == "javascript"
    assert resolve_alias("pypy") == "pypy3"
    assert resolve_alias("C#") == "csharp"
    assert resolve_alias("ts") == "typescript"
    assert resolve_alias("kt") == "kotlin"
    assert resolve_alias("fpc") == "pascal"
    assert resolve_alias("sh") == "bash"
    assert resolve_alias("cobol") is None
    assert resolve_alias("") is None
    assert aliases_of("cobol") == ()
