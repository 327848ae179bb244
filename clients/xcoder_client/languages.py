"""Language names: fence tags models write, and the judge language id each maps to.

Models label code blocks inconsistently (```py, ```Python3, ```c++). The extractor and the
reward functions both resolve a name through this one table. Judge ids and their aliases are the
wire contract's (`xcoder_wire.languages`), resolved there and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from xcoder_wire.languages import resolve_alias


@dataclass(frozen=True)
class Language:
    name: str
    """Canonical name used in this package (`python`, `cpp`, …)."""
    judge_id: str
    """Language id sent to the judge (see GET /v1/languages)."""
    fence_tags: frozenset[str]
    """Lower-cased info-string words that mark a fenced block as this language."""


LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        Language("python", "python3", frozenset({"python", "python3", "py", "py3", "pypy", "pypy3"})),
        Language(
            "cpp",
            "cpp17",
            frozenset(
                {
                    "cpp",
                    "c++",
                    "cc",
                    "cxx",
                    "hpp",
                    "cpp11",
                    "cpp14",
                    "cpp17",
                    "cpp20",
                    "c++11",
                    "c++14",
                    "c++17",
                    "c++20",
                    "gnu++17",
                    "gnu++20",
                }
            ),
        ),
        Language("c", "c", frozenset({"c", "c11", "c99", "gnu11", "h"})),
        Language("java", "java", frozenset({"java"})),
        Language("go", "go", frozenset({"go", "golang"})),
        Language("rust", "rust", frozenset({"rust", "rs"})),
        Language("javascript", "javascript", frozenset({"javascript", "js", "node", "nodejs"})),
        Language("typescript", "typescript", frozenset({"typescript", "ts"})),
        Language("kotlin", "kotlin", frozenset({"kotlin", "kt"})),
        Language("scala", "scala", frozenset({"scala"})),
        Language("csharp", "csharp", frozenset({"csharp", "c#", "cs"})),
        Language("haskell", "haskell", frozenset({"haskell", "hs"})),
        Language("pascal", "pascal", frozenset({"pascal", "pas", "delphi", "freepascal", "fpc"})),
        Language("ruby", "ruby", frozenset({"ruby", "rb"})),
        Language("php", "php", frozenset({"php"})),
        Language("perl", "perl", frozenset({"perl", "pl"})),
        Language("lua", "lua", frozenset({"lua"})),
        Language("bash", "bash", frozenset({"bash", "sh", "shell"})),
    )
}

_ALIASES: dict[str, str] = {}
for _lang in LANGUAGES.values():
    _ALIASES[_lang.judge_id] = _lang.name
    for _tag in _lang.fence_tags:
        _ALIASES[_tag] = _lang.name


def judge_language_id(name: str) -> str:
    """The id to send to the judge: what the judge's own table resolves `name` to, else the judge
    id of the language whose fence tag it is (``gnu++17`` → ``cpp17``); ValueError if neither."""
    return resolve_alias(name) or resolve_language(name).judge_id


def resolve_language(name: str) -> Language:
    """The Language for a name, fence tag or judge id (case-insensitive); ValueError if unknown."""
    key = name.strip().lower()
    canonical = _ALIASES.get(key)
    if canonical is None:
        known = ", ".join(sorted(LANGUAGES))
        raise ValueError(f"unknown language {name!r}; known: {known} (or any of their aliases)")
    return LANGUAGES[canonical]
