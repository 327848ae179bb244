"""Static checks on candidate programs. Nothing here executes model code: ``ast.parse`` only.

Only Python has a static check here; programs in other judge languages are compiled by the
judge, and a candidate that fails to compile there fails every run (it never labels anything).
"""

from __future__ import annotations

import ast
import hashlib

from xcoder_synth.solutions.fingerprint import exact_fingerprint

PYTHON_IDS = frozenset({"python3", "pypy3"})


def syntax_problem(code: str, *, fn_name: str | None = None, language: str = "python3") -> str | None:
    """Why ``code`` cannot be a candidate (``reason: detail``), or None if it can.

    For function-call tasks the entry point must be defined as a method of ``class Solution``
    or as a top-level function (the judge looks it up in that order); call tests are Python only.
    ``language`` is a judge language id.
    """
    if language not in PYTHON_IDS:
        if fn_name is not None:
            return f"unsupported_language: call tasks are judged in Python, not {language}"
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        return f"syntax_error: {exc}"
    if fn_name is None:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn_name:
            return None
        if isinstance(node, ast.ClassDef) and node.name == "Solution":
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == fn_name:
                    return None
    return f"missing_entry_point: no Solution.{fn_name} or top-level {fn_name}"


def fingerprint(code: str, language: str = "python3") -> str:
    """Equal for programs that differ only in comments and layout (identical candidates vote once).

    Python: the AST; other languages: the token stream (``fingerprint.exact_fingerprint``).
    """
    if language not in PYTHON_IDS:
        return exact_fingerprint(code, language)
    tree = ast.parse(code)
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode("utf-8")).hexdigest()[:16]
