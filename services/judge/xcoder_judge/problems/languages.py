"""Which language a package's source file is in, as problemtools' languages.yaml decides it.

By extension, with the shebang deciding between Python 2 and 3. The judge's language id comes
from the one alias table (`xcoder_wire.languages`), so a language added there is picked up
here; a language with no id is reported as skipped, never judged as something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from xcoder_wire.languages import resolve_alias


@dataclass(frozen=True)
class SourceLanguage:
    id: str | None  # the judge's language id; None: not a language this judge knows
    name: str  # as people call it, for messages
    kind: Literal["source", "other"] = "source"  # other: a header, data, a build file


# extension -> (name to resolve in the alias table, display name). Order: problemtools'.
_EXTENSIONS: dict[str, tuple[str, str]] = {
    ".c": ("c", "C"),
    ".cc": ("cpp17", "C++"),
    ".cpp": ("cpp17", "C++"),
    ".cxx": ("cpp17", "C++"),
    ".c++": ("cpp17", "C++"),
    ".C": ("cpp17", "C++"),
    ".java": ("java", "Java"),
    ".py": ("python3", "Python 3"),
    ".py3": ("python3", "Python 3"),
    ".go": ("go", "Go"),
    ".rs": ("rust", "Rust"),
    ".js": ("javascript", "JavaScript"),
    ".kt": ("kotlin", "Kotlin"),
    ".cs": ("csharp", "C#"),
    ".hs": ("haskell", "Haskell"),
    ".rb": ("ruby", "Ruby"),
    ".php": ("php", "PHP"),
    ".pl": ("prolog", "Prolog"),  # problemtools: *.pl is Prolog; a perl shebang makes it Perl
    ".pm": ("perl", "Perl"),
    ".lua": ("lua", "Lua"),
    ".scala": ("scala", "Scala"),
    ".pas": ("pascal", "Pascal"),
    ".ts": ("typescript", "TypeScript"),
    ".sh": ("bash", "Bash"),
    ".ml": ("ocaml", "OCaml"),
    ".lisp": ("lisp", "Common Lisp"),
    ".f90": ("fortran", "Fortran"),
    ".d": ("d", "D"),
    ".swift": ("swift", "Swift"),
    ".m": ("objectivec", "Objective-C"),
    ".fs": ("fsharp", "F#"),
    ".pro": ("prolog", "Prolog"),
    # DOMjudge's default extensions, beyond problemtools'
    ".plg": ("prolog", "Prolog"),
    ".p": ("pascal", "Pascal"),
    ".pp": ("pascal", "Pascal"),
    ".bash": ("bash", "Bash"),
    ".mjs": ("javascript", "JavaScript"),
    ".R": ("r", "R"),
    ".adb": ("ada", "Ada"),
    ".f95": ("fortran", "Fortran"),
    ".awk": ("awk", "AWK"),
}
_OTHER = {".h", ".hpp", ".hh", ".txt", ".md", ".yaml", ".yml", ".ctd", ".in", ".ans", ".desc"}
_PYTHON2 = re.compile(r"\A#!.*python2\b")
_PERL = re.compile(r"\A#!.*\bperl\b")


def detect(file_name: str, text: str) -> SourceLanguage:
    dot = file_name.rfind(".")
    ext = file_name[dot:] if dot > 0 else ""
    if ext in _OTHER or ext.lower() in _OTHER:
        return SourceLanguage(None, f"{ext or file_name} file", "other")
    if ext in (".py", ".py2") and (_PYTHON2.match(text) or ext == ".py2"):
        return SourceLanguage(resolve_alias("python2"), "Python 2")
    if ext == ".pl" and _PERL.match(text):
        return SourceLanguage(resolve_alias("perl"), "Perl")
    known = _EXTENSIONS.get(ext) or _EXTENSIONS.get(ext.lower())
    if known is None:
        return SourceLanguage(None, f"unknown ({ext or 'no extension'})", "other")
    alias, name = known
    return SourceLanguage(resolve_alias(alias), name)
