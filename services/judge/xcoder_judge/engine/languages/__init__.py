"""The language registry: one module per language, found and versioned at start-up.

`KNOWN_LANGUAGES` and `resolve_alias` are static (no toolchain probing) so the API can validate
requests without executing anything; `detect()` finds what this node actually has.
"""

from __future__ import annotations

from xcoder_judge.engine.languages import c, cpp, go, java, javascript, pypy3, python3, rust
from xcoder_judge.engine.languages.base import Language, Toolchain

LANGUAGES: tuple[Language, ...] = (
    python3.LANGUAGE,
    pypy3.LANGUAGE,
    c.LANGUAGE,
    cpp.CPP17,
    cpp.CPP20,
    java.LANGUAGE,
    go.LANGUAGE,
    rust.LANGUAGE,
    javascript.LANGUAGE,
)

KNOWN_LANGUAGES: dict[str, Language] = {lang.id: lang for lang in LANGUAGES}
_ALIASES: dict[str, str] = {name.lower(): lang.id for lang in LANGUAGES for name in (lang.id, *lang.aliases)}


def resolve_alias(name: str) -> str | None:
    """Language id for an id or alias (case-insensitive), or None."""
    return _ALIASES.get(name.strip().lower())


def detect(
    allow: frozenset[str] | None = None, overrides: dict[str, dict[str, str]] | None = None
) -> dict[str, Toolchain]:
    """Toolchains present on this node, by language id."""
    found: dict[str, Toolchain] = {}
    for lang in LANGUAGES:
        if allow is not None and lang.id not in allow:
            continue
        tc = lang.detect((overrides or {}).get(lang.id))
        if tc is not None:
            found[lang.id] = tc
    return found


__all__ = ["KNOWN_LANGUAGES", "LANGUAGES", "Language", "Toolchain", "detect", "resolve_alias"]
