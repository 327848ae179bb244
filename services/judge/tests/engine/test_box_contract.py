"""The box's side and the worker's side of one contract (protocol.py): report fields and kill reasons.

The box's modules run as bare scripts under the solution interpreter, so they are loaded here
as the box loads them (top-level modules from the sandbox directory).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from pathlib import Path

import pytest
from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import ProcReport
from xcoder_judge.engine.sandbox.slot import _report
from xcoder_judge.engine.verdicts import run_verdict
from xcoder_wire.schemas import Limits, Verdict

SANDBOX = Path(__file__).resolve().parents[2] / "xcoder_judge" / "engine" / "sandbox"
LIMITS = {"cpu": 1.0, "wall": 3.0, "output": 100, "stdout_keep": 10, "stderr_keep": 10}


@pytest.fixture(scope="module")
def supervise():
    """The box's supervise.py with the box's own `protocol` (a top-level module)."""
    sys.path.insert(0, str(SANDBOX))
    saved = {name: sys.modules.pop(name, None) for name in ("protocol", "box_os", "supervise")}
    try:
        yield importlib.import_module("supervise")
    finally:
        sys.path.remove(str(SANDBOX))
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


def box_report(supervise, killed_for=None, cpu=0.0, setup_error=b""):
    r, w = os.pipe()
    os.write(w, setup_error)
    os.close(w)
    state = supervise.RunState(1, {"limits": LIMITS}, None, r, {})
    state.status, state.cpu, state.ended = 0, cpu, state.started + 0.5
    rep = state.report(killed_for)
    for i, stream in enumerate(supervise.STREAMS):
        rep[stream] = i  # blob indices, as box.py adds them
    return rep


def test_the_box_reports_exactly_the_fields_the_worker_reads(supervise) -> None:
    rep = box_report(supervise)
    assert set(rep) == protocol.REPORT_FIELDS
    decoded = _report(rep, [b"out", b"err", b"value"])
    assert (decoded.stdout, decoded.stderr, decoded.result) == (b"out", b"err", b"value")
    assert decoded.exit_code == 0 and decoded.killed_for is None and decoded.wall_s == pytest.approx(0.5)
    worker_fields = {f.name for f in dataclasses.fields(ProcReport)}
    assert worker_fields == protocol.REPORT_FIELDS


def test_a_report_with_a_missing_or_extra_field_is_refused(supervise) -> None:
    rep = box_report(supervise)
    del rep["oom"]
    with pytest.raises(KeyError, match="oom"):
        _report(rep, [b"", b"", b""])
    rep = box_report(supervise)
    rep["verdict"] = "AC"  # nothing from the box names a verdict
    with pytest.raises(KeyError, match="verdict"):
        _report(rep, [b"", b"", b""])


def test_cpu_over_the_limit_is_reported_even_when_nothing_killed_it(supervise) -> None:
    assert box_report(supervise, cpu=1.5)["killed_for"] == protocol.KILLED_CPU
    assert (
        box_report(supervise, killed_for=protocol.KILLED_WALL, cpu=1.5)["killed_for"] == protocol.KILLED_WALL
    )


def test_output_over_the_limit_names_its_stream(supervise) -> None:
    state = supervise.RunState(1, {"limits": LIMITS}, None, -1, {})
    assert not state.take("stdout", b"x" * 100)
    assert state.take("stdout", b"x")  # 101 bytes written: over
    assert bytes(state.out["stdout"]) == b"x" * 10  # only stdout_keep kept
    assert state.written["stdout"] == 101
    assert supervise.protocol.KILLED_FOR_OUTPUT["stdout"] == protocol.KILLED_OUTPUT_STDOUT


@pytest.mark.parametrize(
    ("killed_for", "verdict", "says"),
    [
        (protocol.KILLED_WALL, Verdict.TLE, "wall-clock"),
        (protocol.KILLED_CPU, Verdict.TLE, "CPU"),
        (protocol.KILLED_OUTPUT_STDOUT, Verdict.OLE, "on stdout"),
        (protocol.KILLED_OUTPUT_STDERR, Verdict.OLE, "on stderr"),
        (protocol.KILLED_OUTPUT_RESULT, Verdict.OLE, "on result"),
    ],
)
def test_every_kill_reason_has_its_verdict(supervise, killed_for: str, verdict: Verdict, says: str) -> None:
    rep = _report(box_report(supervise, killed_for=killed_for), [b"", b"", b""])
    got, message = run_verdict(rep, Limits(), ())
    assert got is verdict and says in message


def test_the_kill_reasons_are_all_listed() -> None:
    reasons = {v for k, v in vars(protocol).items() if k.startswith("KILLED_") and isinstance(v, str)}
    assert reasons == protocol.TIME_KILLS | protocol.OUTPUT_KILLS
