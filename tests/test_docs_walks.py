"""The "follow one submission" walks in docs name functions that exist.

docs/judge-engine.md and docs/judge-service.md walk one submission hop by hop, naming each hop
``file.py:Class.method``. A rename that forgets the walk leaves a reader following a name that is
not there; this reads the code with ``ast`` (nothing is imported) and checks every such name.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("services/judge/xcoder_judge", "wire/xcoder_wire", "clients/xcoder_client")
WALKS = {
    "docs/judge-engine.md": "### Follow one submission through the sandbox",
    "docs/judge-service.md": "## Follow one submission (service half)",
}
HOP = re.compile(r"`([\w/]+\.py):([A-Za-z_][\w.]*)")
BARE = re.compile(r"`([A-Za-z_]\w*)\.([A-Za-z_][\w.]*)")
EXTERNAL = {"SimpleWorker.execute_job", "Job.perform", "Result.create", "Result.restore", "rq"}
"""Names the walks give of RQ's own code, which the hop before or after them overrides or calls."""


@cache
def definitions(path: Path) -> frozenset[str]:
    """Every qualified name the module defines: functions, classes, methods, module variables."""
    names: set[str] = set()

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(prefix + child.name)
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.Assign, ast.AnnAssign)):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                names.update(prefix + t.id for t in targets if isinstance(t, ast.Name))

    walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return frozenset(names)


def modules_named(tail: str) -> list[Path]:
    """Package modules whose path ends with ``tail`` (``box.py``, ``api/judging.py``)."""
    return [p for root in ROOTS for p in (REPO / root).rglob("*.py") if p.as_posix().endswith("/" + tail)]


def walk_text(doc: str, heading: str) -> str:
    text = (REPO / doc).read_text(encoding="utf-8")
    start = text.index(heading) + len(heading)
    end = re.compile(r"^#+ ", re.M).search(text, start)
    return text[start : end.start() if end else len(text)]


def hops() -> list[tuple[str, str, str]]:
    """``(doc, module, name)`` of every ``file.py:name`` hop."""
    return [(doc, f, q) for doc, heading in WALKS.items() for f, q in HOP.findall(walk_text(doc, heading))]


def bare_names() -> list[tuple[str, str, str]]:
    """``(doc, first, rest)`` of every ``Class.method`` or ``module.name`` a walk mentions alone."""
    out = []
    for doc, heading in WALKS.items():
        text = HOP.sub("", walk_text(doc, heading))
        out += [
            (doc, a, b)
            for a, b in BARE.findall(text)
            if b != "py" and f"{a}.{b}" not in EXTERNAL and a not in EXTERNAL
        ]
    return sorted(set(out))


def all_modules() -> list[Path]:
    return [p for root in ROOTS for p in (REPO / root).rglob("*.py")]


def test_each_walk_names_hops():
    by_doc = {doc: sum(1 for d, _, _ in hops() if d == doc) for doc in WALKS}
    assert all(n >= 8 for n in by_doc.values()), by_doc


@pytest.mark.parametrize(("doc", "module", "name"), hops())
def test_each_hop_exists(doc, module, name):
    found = modules_named(module)
    assert found, f"{doc}: no module {module}"
    assert any(name in definitions(p) for p in found), f"{doc}: {module} defines no {name}"


@pytest.mark.parametrize(("doc", "first", "rest"), bare_names())
def test_each_bare_name_exists(doc, first, rest):
    """``Box.answer`` is defined by some module; ``protocol.send`` by a module ``protocol.py``
    (a trailing ``_`` is a prefix: ``protocol.KILLED_*``)."""
    if first[0].isupper():
        candidates, name = all_modules(), f"{first}.{rest}"
    else:
        candidates, name = modules_named(f"{first}.py"), rest
    assert candidates, f"{doc}: no module {first}.py"
    defined = {n for p in candidates for n in definitions(p)}
    ok = any(n.startswith(name) for n in defined) if name.endswith("_") else name in defined
    assert ok, f"{doc}: nothing defines {first}.{rest}"


def test_a_drifted_name_is_caught(tmp_path):
    (tmp_path / "m.py").write_text("class Box:\n    def run(self): ...\n")
    assert "Box.run" in definitions(tmp_path / "m.py")
    assert "Box.serve" not in definitions(tmp_path / "m.py")
