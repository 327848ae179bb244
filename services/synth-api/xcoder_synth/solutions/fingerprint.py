"""Static fingerprints of candidate programs in any judge language. Nothing here runs code.

Two fingerprints, both from a token stream with comments and layout removed:

- ``exact``: the tokens as written. Programs equal up to comments and whitespace are
  duplicates and cast one vote.
- ``family``: identifiers renamed in order of first appearance (keywords kept), string and
  character literals replaced by a placeholder. Copies that differ only in names are one family:
  votes from a family count as one voter (``verify/families.py``). Numbers are kept, so an
  off-by-one mutant is a different family.

``similarity`` compares family token streams (difflib's ratio), used to join near-copies that
also behave identically.
"""

from __future__ import annotations

import builtins
import difflib
import hashlib
import io
import keyword
import re
import tokenize

from xcoder_client.languages import judge_language_id

_C_LIKE_KEYWORDS = frozenset(
    [
        "alignas",
        "alignof",
        "and",
        "asm",
        "auto",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "constexpr",
        "continue",
        "decltype",
        "default",
        "delete",
        "do",
        "double",
        "else",
        "enum",
        "explicit",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "nullptr",
        "operator",
        "or",
        "private",
        "protected",
        "public",
        "register",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "template",
        "this",
        "throw",
        "true",
        "try",
        "typedef",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "while",
        "include",
        "define",
        "abstract",
        "boolean",
        "byte",
        "extends",
        "final",
        "finally",
        "implements",
        "import",
        "instanceof",
        "interface",
        "native",
        "package",
        "super",
        "synchronized",
        "throws",
        "transient",
        "var",
        "let",
        "function",
        "of",
        "in",
        "func",
        "go",
        "chan",
        "select",
        "defer",
        "fn",
        "impl",
        "mut",
        "pub",
        "use",
        "mod",
        "match",
        "loop",
        "self",
        "crate",
        "trait",
        "where",
        "type",
        "struct",
    ]
)

_C_TOKEN = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`]*`)
  | (?P<number>\d[\w.]*(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>::|->|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%=&|^!~<>?:;,.(){}\[\]#@])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


_PY_KEPT_NAMES = frozenset(dir(builtins))
_C_LIKE_KEPT_NAMES = frozenset(
    [
        *("max", "min", "abs", "sort", "reverse", "swap", "lower_bound", "upper_bound", "accumulate"),
        *("cin", "cout", "cerr", "endl", "scanf", "printf", "vector", "string", "map", "set"),
        *("unordered_map", "unordered_set", "pair", "queue", "stack", "deque", "priority_queue"),
        *("size", "push_back", "pop_back", "begin", "end", "std", "main", "LLONG_MAX", "LLONG_MIN"),
        *("INT_MAX", "INT_MIN", "Math", "System", "String", "Integer", "Long", "Scanner"),
    ]
)
"""Library names that keep their identity in family tokens: ``max`` and ``min`` differ."""


def language_id(language: str | None) -> str:
    """The judge id of ``language`` (default Python 3); ValueError for an unknown name."""
    if language is None:
        return "python3"
    return judge_language_id(language)


_FENCE_TAG = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*\{?\.?([A-Za-z0-9_+#.\-]+)", re.MULTILINE)


def fence_language(response: str) -> str:
    """The judge language a reply's code fences name (the last one a judge language resolves
    from), else Python 3. Only picks the language; the shared extractor picks the code."""
    for tag in reversed(_FENCE_TAG.findall(response)):
        try:
            return judge_language_id(tag)
        except ValueError:
            continue
    return "python3"


def _python_tokens(code: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.ENCODING,
                tokenize.ENDMARKER,
            ):
                continue
            if tok.type == tokenize.INDENT:
                out.append(("op", "<indent>"))
            elif tok.type == tokenize.DEDENT:
                out.append(("op", "<dedent>"))
            elif tok.type == tokenize.NAME:
                out.append(("keyword" if keyword.iskeyword(tok.string) else "name", tok.string))
            elif tok.type == tokenize.STRING:
                out.append(("string", tok.string))
            elif tok.type == tokenize.NUMBER:
                out.append(("number", tok.string))
            else:
                out.append(("op", tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [("other", ch) for ch in code.split()]
    return out


def _c_like_tokens(code: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _C_TOKEN.finditer(code):
        kind = m.lastgroup or "other"
        if kind in ("comment", "space"):
            continue
        text = m.group(0)
        if kind == "name" and text in _C_LIKE_KEYWORDS:
            kind = "keyword"
        out.append((kind, text))
    return out


def tokens(code: str, language: str | None = None) -> list[tuple[str, str]]:
    """(kind, text) tokens without comments and layout; Python keeps its indentation structure."""
    lang = language_id(language)
    if lang in ("python3", "pypy3"):
        return _python_tokens(code)
    return _c_like_tokens(code)


def family_tokens(code: str, language: str | None = None) -> list[str]:
    """Identifier-insensitive tokens: names become ``$0, $1, …`` by first appearance.

    Library names (builtins, common standard-library names) and attribute names after ``.``,
    ``::`` or ``->`` are kept: they are what the program does, not what its author called things.
    """
    lang = language_id(language)
    kept = _PY_KEPT_NAMES if lang in ("python3", "pypy3") else _C_LIKE_KEPT_NAMES
    names: dict[str, str] = {}
    out: list[str] = []
    prev = ""
    for kind, text in tokens(code, language):
        if kind == "name" and text not in kept and prev not in (".", "::", "->"):
            out.append(names.setdefault(text, f"${len(names)}"))
        elif kind == "string":
            out.append("<str>")
        else:
            out.append(text)
        prev = text
    return out


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def exact_fingerprint(code: str, language: str | None = None) -> str:
    return _digest([language_id(language), *(t for _, t in tokens(code, language))])


def family_fingerprint(code: str, language: str | None = None) -> str:
    return _digest([language_id(language), *family_tokens(code, language)])


def similarity(a: list[str], b: list[str]) -> float:
    """Share of matching family tokens (0..1); 1.0 for identical streams."""
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()
