"""Language ids the judge accepts and the aliases each answers to.

One table for the judge's engine, its API and the clients: a name is resolved here and nowhere
else (case-insensitive, surrounding whitespace ignored). Which of these a node can actually run
is a separate question, answered by its toolchains (see `xcoder_wire.admission`).
"""

from __future__ import annotations

LANGUAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "python3": ("python", "py", "py3", "cpython"),
    "pypy3": ("pypy",),
    "c": ("c11", "c17", "gcc"),
    "cpp17": ("cpp", "c++", "c++17", "g++", "cxx"),
    "cpp20": ("c++20", "g++20"),
    "java": ("java17", "javac"),
    "go": ("golang",),
    "rust": ("rs", "rustc"),
    "javascript": ("js", "node", "nodejs"),
    "typescript": ("ts", "tsc"),
    "kotlin": ("kt", "kotlinc"),
    "scala": ("scalac", "scala2"),
    "csharp": ("c#", "cs", "mono", "mcs"),
    "haskell": ("hs", "ghc"),
    "pascal": ("fpc", "freepascal", "pas"),
    "ruby": ("rb",),
    "php": ("php8",),
    "perl": ("pl", "perl5"),
    "lua": ("lua5.4", "lua54"),
    "bash": ("sh", "shell"),
}
"""Language id → its aliases. Ids and aliases are lower case and unique across the table."""

LANGUAGE_IDS = frozenset(LANGUAGE_ALIASES)

_BY_NAME: dict[str, str] = {
    name: lang_id for lang_id, aliases in LANGUAGE_ALIASES.items() for name in (lang_id, *aliases)
}


def resolve_alias(name: str) -> str | None:
    """The language id for an id or alias (case-insensitive), or None if it names no language."""
    return _BY_NAME.get(name.strip().lower())


def aliases_of(language_id: str) -> tuple[str, ...]:
    """The aliases of a language id (none for an id this table does not know)."""
    return LANGUAGE_ALIASES.get(language_id, ())
