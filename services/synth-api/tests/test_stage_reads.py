"""A stage's ``needs`` lists exactly the stages its code reads from the run store.

``check_ready`` trusts ``needs``; a read it does not list could run against a stage that is not
complete. Export reads every stage through ``export_run`` and lists only its direct input."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from xcoder_synth.pipeline import stages as stages_module
from xcoder_synth.pipeline.stages import STAGES

STORE_READS = {"read", "by_id", "records"}


def _literal_reads(tree: ast.AST) -> set[str]:
    """Stage names passed as string literals to ``ctx.store.<read>`` and ``_surviving_tasks``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        store_read = isinstance(f, ast.Attribute) and f.attr in STORE_READS
        surviving = isinstance(f, ast.Name) and f.id == "_surviving_tasks"
        args = node.args[1:] if surviving else node.args[:1]
        if surviving:
            found.add("decontam")  # _surviving_tasks reads the tasks from decontam
        if store_read or surviving:
            found.update(a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


@pytest.mark.parametrize("name", [n for n in STAGES if n != "export"])
def test_declared_reads_equal_actual_reads(name):
    tree = ast.parse(textwrap.dedent(inspect.getsource(STAGES[name])))
    assert _literal_reads(tree) == set(STAGES[name].needs)


def test_the_scan_sees_the_helpers_reads():
    tree = ast.parse(inspect.getsource(stages_module._surviving_tasks))
    assert "decontam" in {a.value for a in ast.walk(tree) if isinstance(a, ast.Constant)}
