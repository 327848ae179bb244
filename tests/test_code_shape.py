"""scripts/code_shape.py: the function lengths and the size check it reports are right."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("code_shape", REPO / "scripts" / "code_shape.py")
code_shape = importlib.util.module_from_spec(spec)
sys.modules["code_shape"] = code_shape  # dataclasses look their module up there
spec.loader.exec_module(code_shape)

TEXT = '''"""A module.

Why one module: it is one thing.
"""


def short():
    return 1


class Box:
    def run(self):
        x = 1

        def inner():
            return x

        return inner
'''


def test_function_lengths_and_qualified_names():
    got = {f.name: f.lines for f in code_shape.functions("m.py", TEXT)}
    assert got == {"short": 2, "Box.run": 7, "Box.run.inner": 2}


def test_the_reason_must_open_a_paragraph_of_the_docstring():
    assert code_shape.states_reason(TEXT)
    assert not code_shape.states_reason(TEXT.replace("Why one module", "It is one module"))
    assert not code_shape.states_reason("x = 1\n# Why one module: a comment is not the docstring\n")


def test_the_working_tree_report_lists_this_repo_packages():
    files = code_shape.sources(None)
    assert "services/synth-api/xcoder_synth/verify/dual.py" in files
    assert all(name.endswith(".py") for name in files)
