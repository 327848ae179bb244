"""Both sides of the box's wire contract use exactly the message fields protocol.py defines.

The worker's side is checked by what it sends (slot.py's encoders, run for real) and what it
reads; the box's side, which runs as bare scripts under the solution interpreter and cannot be
driven here, by a scan of its source: every string key it reads from a message, every key of
the messages it builds. A read site the table below does not know fails the test: say which
message it reads (or that it is not a message) when adding one.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from xcoder_judge.engine.sandbox import protocol
from xcoder_judge.engine.sandbox.run_types import BoxConfig, Proc, ProcLimits, RunRequest
from xcoder_judge.engine.sandbox.slot import Slot, _encode

SANDBOX = Path(__file__).resolve().parents[2] / "xcoder_judge" / "engine" / "sandbox"
P = protocol
INTERNAL = frozenset()  # not a box message: forker datagrams, stream buffers, cgroup files, env
READY_OR_FAILED = P.READY_FIELDS | P.FAILED_FIELDS
DONE_OR_ERROR = P.DONE_FIELDS | P.ERROR_FIELDS

# (module, expression) -> the fields it may hold; (module, function, expression) overrides.
READS: dict[tuple[str, ...], frozenset[str]] = {
    ("box.py", "main", "header"): P.INIT_FIELDS,
    ("box.py", "header"): P.RUN_FIELDS,
    ("box.py", "cfg"): P.INIT_FIELDS,
    ("box.py", "self.cfg"): P.INIT_FIELDS,
    ("box.py", "run"): P.RUN_ENTRY_FIELDS,
    ("box.py", "spec"): P.PROC_FIELDS,
    ("box.py", "procs[0]"): P.PROC_FIELDS,
    ("box.py", "spec['limits']"): P.LIMIT_FIELDS,
    ("box.py", "first"): P.REPORT_FIELDS,
    ("box.py", "setup", "spec"): INTERNAL,  # a cgroup's {"mode", "files"} (cgroups.py)
    ("box.py", "fds"): INTERNAL,
    ("box.py", "os.environ"): INTERNAL,
    ("box_fs.py", "cfg"): P.INIT_FIELDS,
    ("box_fs.py", "self.cfg"): P.INIT_FIELDS,
    ("box_fs.py", "spec"): P.PROC_FIELDS,
    ("box_fs.py", "self.progs"): INTERNAL,
    ("box_os.py", "limits"): P.LIMIT_FIELDS,
    ("supervise.py", "self.spec"): P.PROC_FIELDS,
    ("supervise.py", "limits"): P.LIMIT_FIELDS,
    ("supervise.py", "self.limits"): P.LIMIT_FIELDS,
    ("supervise.py", "p.limits"): P.LIMIT_FIELDS,
    ("supervise.py", "msg"): INTERNAL,
    ("supervise.py", "self.out"): INTERNAL,
    ("supervise.py", "self.written"): INTERNAL,
    ("forker.py", "spec"): P.PROC_FIELDS,
    ("forker.py", "req"): INTERNAL,
    ("forker.py", "msg"): INTERNAL,
    ("forker.py", "self.message()"): INTERNAL,
    ("slot.py", "start", "header"): READY_OR_FAILED,
    ("slot.py", "run", "reply"): DONE_OR_ERROR,
    ("slot.py", "_decode", "header"): P.DONE_FIELDS,
    ("slot.py", "_report", "r"): P.REPORT_FIELDS,
    ("slot.py", "wire"): INTERNAL,  # the encoder's own dict
    ("slot.py", "env"): INTERNAL,
    ("slot.py", "etc"): INTERNAL,
    ("slot.py", "self.uids"): INTERNAL,
    ("slot.py", "self.userns_plan"): INTERNAL,  # box_creds.Privilege's plan, sent whole
}
# Reads through a computed key: (module, function, expression) -> the keys it computes.
COMPUTED = {
    ("box.py", "start", "spec"): {"path", "compile_as"},  # made host paths when not isolated
    ("supervise.py", "take", "limits"): {"stdout_keep", "stderr_keep"},  # stream + "_keep"
}
BOX_SIDE = ("box.py", "box_fs.py", "box_os.py", "supervise.py", "forker.py")


def reads(module: str) -> tuple[list[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(function, expression, key) of every string-keyed read; (function, expression) of computed ones."""
    tree = ast.parse((SANDBOX / module).read_text())
    found, computed = [], set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    found.append((fn.name, ast.unparse(node.value), node.slice.value))
                elif not isinstance(node.slice, ast.Constant | ast.Slice):
                    computed.add((fn.name, ast.unparse(node.value)))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                if node.func.attr not in ("get", "pop"):
                    continue
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.append((fn.name, ast.unparse(node.func.value), key.value))
                elif not isinstance(key, ast.Constant):
                    computed.add((fn.name, ast.unparse(node.func.value)))
    return found, computed


def allowed(module: str, function: str, expr: str) -> frozenset[str] | None:
    return READS.get((module, function, expr), READS.get((module, expr)))


def all_reads(modules: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    return [(m, f, e, k) for m in modules for f, e, k in reads(m)[0]]


def read_fields(modules: tuple[str, ...], fields: frozenset[str]) -> set[str]:
    """The keys `modules` read from messages whose field set is `fields`."""
    got = {k for m, f, e, k in all_reads(modules) if allowed(m, f, e) is fields}
    for (m, f, e), keys in COMPUTED.items():
        if m in modules and allowed(m, f, e) is fields:
            got |= keys
    return got


@pytest.mark.parametrize("module", [*BOX_SIDE, "slot.py"])
def test_every_key_read_is_a_field_of_its_message(module: str) -> None:
    unknown, undefined = [], []
    for function, expr, key in reads(module)[0]:
        fields = allowed(module, function, expr)
        if fields is None:
            unknown.append(f"{function}: {expr}[{key!r}]")
        elif fields is not INTERNAL and key not in fields:
            undefined.append(f"{function}: {expr}[{key!r}]")
    assert not unknown, f"{module} reads keys from something this test does not know: {unknown}"
    assert not undefined, f"{module} reads fields protocol.py does not define: {undefined}"


def test_the_computed_reads_are_still_there() -> None:
    for module, function, expr in COMPUTED:
        assert (function, expr) in reads(module)[1], (module, function, expr)


def sample_request() -> RunRequest:
    limits = ProcLimits(1.0, 3.0, 1 << 28, 1 << 26, 1 << 20, 64, 16, 1 << 20, 1 << 16, 1 << 16)
    exec_proc = Proc(limits, argv=["/prog/main"], stdin=b"1 2\n", fds_in={3: b"spec"}, pipes_to={4: (1, 0)})
    py_proc = Proc(limits, kind="py", py_path="/box/tester.py", py_mode="tester", uid="aux", cgroup="aux")
    return RunRequest(
        runs=[[exec_proc, py_proc]], progs={"/prog": "k"}, files_in={"a.txt": b"x"}, collect=["*.out"]
    )


def test_the_run_request_the_worker_sends_has_exactly_the_protocols_fields() -> None:
    header, blobs = _encode(sample_request())
    assert set(header) == P.RUN_FIELDS
    (run,) = header["runs"]
    assert set(run) == P.RUN_ENTRY_FIELDS
    procs = run["procs"]
    assert all(set(p) <= P.PROC_FIELDS for p in procs)
    assert set().union(*procs) == P.PROC_FIELDS  # an exec and a py process cover every field
    assert all(set(p["limits"]) == P.LIMIT_FIELDS for p in procs)
    assert [blobs[procs[0]["stdin"]], blobs[procs[0]["fds_in"]["3"]]] == [b"1 2\n", b"spec"]


def test_the_init_message_the_worker_sends_has_exactly_the_protocols_fields(tmp_path: Path) -> None:
    config = BoxConfig(
        python=sys.executable, isolate=True, binds=[("/usr", "/usr", False)], symlinks={}, etc={},
        env={"PATH": "/usr/bin"}, seccomp=b"", preload=[], work_dir=tmp_path,
    )  # fmt: skip
    init = Slot(0, config, {"main": 60000, "aux": 61000}, {}).init_header()
    assert set(init) == P.INIT_FIELDS
    assert init["op"] == P.OP_INIT and init["root"] == str(tmp_path / "slot-0" / "root")


@pytest.mark.parametrize(
    "fields", [P.INIT_FIELDS, P.RUN_FIELDS, P.RUN_ENTRY_FIELDS, P.PROC_FIELDS, P.LIMIT_FIELDS]
)
def test_every_field_the_worker_sends_is_read_by_the_box(fields: frozenset[str]) -> None:
    unread = set(fields - read_fields(BOX_SIDE, fields))
    if fields is P.INIT_FIELDS:
        unread.discard(P.OP)  # the first message is the set-up by position
    assert not unread, f"fields the box never reads: {sorted(unread)}"


@pytest.mark.parametrize("fields", [READY_OR_FAILED, DONE_OR_ERROR, P.REPORT_FIELDS])
def test_every_field_the_box_sends_is_read_by_the_worker(fields: frozenset[str]) -> None:
    got = read_fields(("slot.py",), fields)
    if fields is DONE_OR_ERROR:  # Slot.run reads the op and the message, _decode the rest
        got |= read_fields(("slot.py",), P.DONE_FIELDS)
    assert got == fields


def box_messages() -> dict[str, set[str]]:
    """The keys of the messages box.py builds, by op: dict literals plus stores into `ready`, `failed`."""
    tree = ast.parse((SANDBOX / "box.py").read_text())
    built: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {
                k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)
            }
            if "op" in keys:
                assert isinstance(keys["op"], ast.Attribute), ast.unparse(node)  # a protocol.OP_* constant
                built.setdefault(keys["op"].attr, set()).update(keys)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            op = {"ready": "OP_READY", "failed": "OP_FAILED"}.get(ast.unparse(node.value))
            if op is not None:
                built.setdefault(op, set()).add(node.slice.value)
    return built


@pytest.fixture()
def box_creds():
    """The box's box_creds.py, loaded as the box loads it (a top-level module)."""
    sys.path.insert(0, str(SANDBOX))
    saved = {name: sys.modules.pop(name, None) for name in ("box_creds", "box_os")}
    try:
        yield importlib.import_module("box_creds")
    finally:
        sys.path.remove(str(SANDBOX))
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


def test_the_box_replies_with_exactly_the_protocols_fields(box_creds) -> None:
    built = box_messages()
    privilege = box_creds.Privilege(None, None, {"off": "not isolated"}).report()
    assert built["OP_READY"] | set(privilege) == P.READY_FIELDS
    assert built["OP_DONE"] == P.DONE_FIELDS
    assert built["OP_ERROR"] == P.ERROR_FIELDS
    assert built["OP_FAILED"] == P.FAILED_FIELDS
    assert built["OP_PONG"] == {P.OP}
