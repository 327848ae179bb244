"""The language registry: one module per language, found and versioned at start-up.

`KNOWN_LANGUAGES` is static (no toolchain probing) so the API can describe languages without
executing anything; `detect()` finds what this node actually has. Ids and aliases are the wire
contract's (`xcoder_wire.languages`): every language here has an id there.
"""

from __future__ import annotations

from xcoder_judge.engine.languages import (
    bash,
    c,
    cpp,
    csharp,
    go,
    haskell,
    java,
    javascript,
    kotlin,
    lua,
    pascal,
    perl,
    php,
    pypy3,
    python3,
    ruby,
    rust,
    scala,
    typescript,
)
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
    typescript.LANGUAGE,
    kotlin.LANGUAGE,
    scala.LANGUAGE,
    csharp.LANGUAGE,
    haskell.LANGUAGE,
    pascal.LANGUAGE,
    ruby.LANGUAGE,
    php.LANGUAGE,
    perl.LANGUAGE,
    lua.LANGUAGE,
    bash.LANGUAGE,
)

KNOWN_LANGUAGES: dict[str, Language] = {lang.id: lang for lang in LANGUAGES}


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


__all__ = ["KNOWN_LANGUAGES", "LANGUAGES", "Language", "Toolchain", "detect"]
