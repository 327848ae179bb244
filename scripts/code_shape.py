#!/usr/bin/env python3
"""The shape of the package code at a commit: lines per module, the longest functions, and the
modules over the size limit that do not say why at their top.

Used for before/after figures of a refactoring (issue #11); it reads files from git, so any two
commits compare side by side without a checkout. Stdlib only; it parses the files (``ast``),
it never imports or runs them.

    python scripts/code_shape.py                  # the working tree (tracked files)
    python scripts/code_shape.py --rev 76aec6d    # another commit
    python scripts/code_shape.py --rev 76aec6d --against HEAD   # a before/after table

A module over ``--limit`` lines passes the size check when its docstring has a paragraph that
starts with ``Why one module`` (the reason it is not split).
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOTS = (
    "services/judge/xcoder_judge",
    "services/synth-api/xcoder_synth",
    "clients/xcoder_client",
    "wire/xcoder_wire",
    "rl",
)
REASON = "Why one module"
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Function:
    path: str
    name: str
    lines: int


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True, text=True).stdout


def sources(rev: str | None) -> dict[str, str]:
    """Every .py file under the package roots at ``rev`` (None: the working tree's tracked files)."""
    if rev is None:
        names = _git("ls-files", "--", *ROOTS).split()
        return {
            n: (REPO / n).read_text(encoding="utf-8")
            for n in names
            if n.endswith(".py") and (REPO / n).exists()
        }
    names = _git("ls-tree", "-r", "--name-only", rev, "--", *ROOTS).split()
    return {n: _git("show", f"{rev}:{n}") for n in names if n.endswith(".py")}


def functions(path: str, text: str) -> list[Function]:
    """Every function and method with its length in lines (decorators excluded)."""
    out: list[Function] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                out.append(Function(path, name, (child.end_lineno or child.lineno) - child.lineno + 1))
                walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(ast.parse(text), "")
    return out


def states_reason(text: str) -> bool:
    doc = ast.get_docstring(ast.parse(text)) or ""
    return any(p.strip().startswith(REASON) for p in doc.split("\n\n"))


def lines(text: str) -> int:
    return len(text.splitlines())


def report(rev: str | None, top: int, limit: int) -> str:
    files = sources(rev)
    out = [f"## {rev or 'working tree'}", ""]
    per_root = {r: sum(lines(t) for n, t in files.items() if n.startswith(r + "/")) for r in ROOTS}
    out += [f"{lines_:>7}  {root}" for root, lines_ in per_root.items()]
    out += [f"{sum(per_root.values()):>7}  total ({len(files)} modules)", "", f"modules over {limit} lines:"]
    big = sorted(
        ((lines(t), n, states_reason(t)) for n, t in files.items() if lines(t) > limit), reverse=True
    )
    out += [f"{n_:>7}  {name}{'' if ok else '   (no reason at its top)'}" for n_, name, ok in big] or [
        "  none"
    ]
    funcs = sorted((f for n, t in files.items() for f in functions(n, t)), key=lambda f: -f.lines)
    out += ["", f"the {top} longest functions:"]
    out += [f"{f.lines:>7}  {f.path}:{f.name}" for f in funcs[:top]]
    return "\n".join(out)


def compare(before: str, after: str | None) -> str:
    """Lines per module at both commits, the changed ones only, largest change first."""
    a, b = sources(before), sources(after)
    rows = []
    for name in sorted(set(a) | set(b)):
        la, lb = lines(a.get(name, "")), lines(b.get(name, ""))
        if la != lb:
            rows.append((lb - la, la, lb, name))
    rows.sort(key=lambda r: (-abs(r[0]), r[3]))
    head = f"| module | {before} | {after or 'working tree'} |\n|---|---:|---:|"
    body = [f"| {name} | {la or '–'} | {lb or '–'} |" for _, la, lb, name in rows]
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", help="commit to read (default: the working tree)")
    ap.add_argument(
        "--against", help="with --rev: print the per-module before/after table against this commit"
    )
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--limit", type=int, default=400)
    args = ap.parse_args(argv)
    if args.against:
        print(compare(args.rev, None if args.against == "WORKTREE" else args.against))
    else:
        print(report(args.rev, args.top, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
