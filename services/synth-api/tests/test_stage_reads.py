"""A stage reads only what it declares, and its ``needs`` is derived from that declaration.

``check_ready`` trusts ``needs``; a read it does not list could run against a stage that is not
complete. Reads go through :class:`StageReads`, which raises on an undeclared one; this file
checks that it does, that ``needs`` follows ``reads``, and that no code reads a stage by name."""

from __future__ import annotations

import ast
import inspect

import pytest
from xcoder_synth.errors import UndeclaredRead
from xcoder_synth.export import bundle, report
from xcoder_synth.jsonl import JsonlWriter
from xcoder_synth.pipeline import stages as stages_module
from xcoder_synth.pipeline.reads import CANDIDATES, INPUTS, PLANS, TASKS, StageReads, needs_of
from xcoder_synth.pipeline.stages import STAGES, TestgenStage
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.testgen.models import InputSet

RECORD_READS = {"read", "by_id", "records"}


def _store_with_inputs(tmp_path) -> RunStore:
    store = RunStore(tmp_path / "run")
    w = JsonlWriter(store.part("inputs", 0))
    w.write(InputSet(id="t1", inputs=[], decisions=[]))
    w.close()
    return store


def test_an_undeclared_read_raises(tmp_path):
    store = _store_with_inputs(tmp_path)
    reads = StageReads(store, (TASKS, PLANS), "testgen")
    with pytest.raises(UndeclaredRead, match=r"'testgen' reads 'inputs' \(InputSet\)"):
        reads.by_id(INPUTS)
    for method in (reads.all, reads.ids, reads.raw, reads.surviving_tasks):
        with pytest.raises(UndeclaredRead):
            method(INPUTS)


def test_a_declared_read_returns_typed_records(tmp_path):
    store = _store_with_inputs(tmp_path)
    reads = StageReads(store, (INPUTS,), "verify")
    (got,) = reads.all(INPUTS)
    assert isinstance(got, InputSet) and got.id == "t1"
    assert reads.ids(INPUTS) == {"t1"}


def test_a_stage_sees_only_its_own_reads(tmp_path):
    class Ctx:
        store = _store_with_inputs(tmp_path)

    stage_reads = TestgenStage().inputs(Ctx())  # type: ignore[arg-type]
    assert stage_reads.ids(CANDIDATES) == set()  # declared (no solve output yet): fine
    with pytest.raises(UndeclaredRead):
        stage_reads.ids(INPUTS)  # the verify stage's input, not testgen's


@pytest.mark.parametrize("name", list(STAGES))
def test_needs_follow_reads(name):
    stage = STAGES[name]
    assert stage.needs == needs_of(stage.reads)
    assert all(n in STAGES and list(STAGES).index(n) < list(STAGES).index(name) for n in stage.needs)


def test_needs_of_keeps_order_and_drops_repeats():
    assert needs_of((TASKS, CANDIDATES, TASKS)) == ("decontam", "solve")


@pytest.mark.parametrize("module", [stages_module, bundle, report], ids=lambda m: m.__name__)
def test_no_stage_output_is_read_by_name(module):
    """``store.read("solve", ...)`` and the like would bypass the declared reads."""
    named = [
        ast.unparse(node)
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RECORD_READS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]
    assert named == []
