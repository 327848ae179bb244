"""Where SynthSmith may touch the judge: one gateway module, used by every stage that runs code."""

from __future__ import annotations

import ast
from pathlib import Path

import xcoder_synth

PACKAGE = Path(xcoder_synth.__file__).parent
JUDGE_CLIENTS = {"AsyncJudgeClient", "JudgeClient"}


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xcoder_client"):
            names.update(a.name for a in node.names)
    return names


def test_only_the_gateway_module_talks_to_the_judge():
    talking = sorted(
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if _imported_names(p) & JUDGE_CLIENTS
    )
    assert talking == ["judge_gateway.py"]
