"""The data-driven judge suite: case files, host facts, templating and the checks.

A case is a folder `suite/<group>/<case>/` holding `case.toml` and the files it names
(README.md in this folder documents every key). This module has no pytest fixtures; the test
modules (`test_suite.py`, `test_parity.py`) load it by path and `conftest.py` builds the
`HostFacts` and the engines.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import stat
import sysconfig
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import tomllib
from xcoder_wire.schemas import MAX_TIME_S, MAX_WALL_S, CompileLimits, Limits

SUITE_DIR = Path(__file__).resolve().parent
REPO_ROOT = SUITE_DIR.parents[3]

VERDICTS = {"AC", "WA", "PE", "TLE", "MLE", "OLE", "RE", "CE", "SE", "SK"}

# Keys a case file may use; anything else is a typo and fails validation.
_TOP_KEYS = {
    "description",
    "language",
    "source",
    "files",
    "template",
    "fn_name",
    "passes",
    "stop_on_first_failure",
    "output",
    "output_cap_bytes",
    "timeout_s",
    "fixed_limits",
    "limits",
    "compile_limits",
    "checker",
    "interactor",
    "tests",
    "each",
    "expect",
    "host",
    "parity",
}
_TEST_EXPECT_KEYS = {
    "verdict",
    "exit_code",
    "signal",
    "stdout",
    "stdout_contains",
    "stdout_not_contains",
    "stdout_regex",
    "stderr",
    "stderr_contains",
    "stderr_not_contains",
    "message_contains",
    "message_not_contains",
    "reason",
}
_TEST_INPUT_KEYS = {
    "kind",
    "id",
    "input",
    "input_file",
    "expected",
    "expected_file",
    "expected_json",
    "args",
    "args_json",
    "kwargs",
    "code",
    "entry_point",
}
_EXPECT_KEYS = {
    "verdict",
    "passed",
    "compile_ok",
    "compile_output_contains",
    "compile_output_not_contains",
    "raises",
    "distinct_stdout",
}
_HOST_KEYS = {
    "no_leftover_processes",
    "forbidden_process_names",
    "absent_paths",
    "no_connections",
    "bait_intact",
    "repeat",
    "engine_healthy",
}
_PARITY_KEYS = {"compare_stdout", "compare_stderr", "distinct_stdout", "known_stdout_offsets", "note"}
_DISTINCT_VALUES = (True, False, "same", "warm-per-slot")
_PROGRAM_KEYS = {"language", "source", "files", "protocol", "flags"}

_PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")


class CaseError(Exception):
    """A case file is malformed (a bug in the suite, not in the engine)."""


# ------------------------------------------------------------------ cases


@dataclass
class Case:
    group: str
    name: str
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def host(self) -> dict[str, Any]:
        return self.data.get("host", {})

    @property
    def expect(self) -> dict[str, Any]:
        return self.data.get("expect", {})

    @property
    def parity(self) -> dict[str, Any]:
        return self.data.get("parity", {})

    @property
    def timeout_s(self) -> float:
        """pytest's hang guard for the case, stretched with the time scale (a guard, never a verdict)."""
        return float(self.data.get("timeout_s", 180)) * time_scale()

    def read(self, name: str) -> str:
        p = (self.path / name).resolve()
        if self.path.resolve() not in p.parents:
            raise CaseError(f"{self.id}: {name!r} is outside the case folder")
        return p.read_text()


def discover(groups: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> list[Case]:
    """Every case under suite/, optionally only some groups, sorted by id."""
    wanted = set(groups) if groups is not None else None
    skip = set(exclude)
    cases = []
    for toml_path in sorted(SUITE_DIR.glob("*/*/case.toml")):
        case_dir = toml_path.parent
        group = case_dir.parent.name
        if (wanted is not None and group not in wanted) or group in skip:
            continue
        with toml_path.open("rb") as f:
            data = tomllib.load(f)
        cases.append(Case(group=group, name=case_dir.name, path=case_dir, data=data))
    return cases


def _as_set(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    return set(value)


def validate(case: Case) -> list[str]:
    """Problems with a case file; empty when it is well formed."""
    d = case.data
    errs: list[str] = []
    unknown = set(d) - _TOP_KEYS
    if unknown:
        errs.append(f"unknown keys {sorted(unknown)}")
    for key in ("description", "language", "source", "tests"):
        if key not in d:
            errs.append(f"missing {key!r}")
    files = [d.get("source"), *d.get("files", {}).values()]
    for section in ("checker", "interactor"):
        if section in d:
            sec = d[section]
            if section == "interactor" or sec.get("kind") == "program":
                extra = set(sec) - _PROGRAM_KEYS - {"kind"}
                if extra:
                    errs.append(f"{section}: unknown keys {sorted(extra)}")
                files.append(sec.get("source"))
    for name in files:
        if name and not (case.path / name).is_file():
            errs.append(f"file {name!r} missing")
    each = d.get("each", {})
    if set(each) - _TEST_EXPECT_KEYS:
        errs.append(f"each: unknown keys {sorted(set(each) - _TEST_EXPECT_KEYS)}")
    for i, t in enumerate(d.get("tests", [])):
        extra = set(t) - _TEST_EXPECT_KEYS - _TEST_INPUT_KEYS
        if extra:
            errs.append(f"tests[{i}]: unknown keys {sorted(extra)}")
        for fkey in ("input_file", "expected_file"):
            if fkey in t and not (case.path / t[fkey]).is_file():
                errs.append(f"tests[{i}]: file {t[fkey]!r} missing")
        v = t.get("verdict", each.get("verdict"))
        if v is not None and not _as_set(v) <= VERDICTS:
            errs.append(f"tests[{i}]: bad verdict {v!r}")
    exp = case.expect
    if set(exp) - _EXPECT_KEYS:
        errs.append(f"expect: unknown keys {sorted(set(exp) - _EXPECT_KEYS)}")
    if "verdict" not in exp and "raises" not in exp:
        errs.append("expect: needs 'verdict' (or 'raises')")
    if "verdict" in exp and not _as_set(exp["verdict"]) <= VERDICTS:
        errs.append(f"expect: bad verdict {exp['verdict']!r}")
    if set(case.host) - _HOST_KEYS:
        errs.append(f"host: unknown keys {sorted(set(case.host) - _HOST_KEYS)}")
    if set(case.parity) - _PARITY_KEYS:
        errs.append(f"parity: unknown keys {sorted(set(case.parity) - _PARITY_KEYS)}")
    if case.parity.get("distinct_stdout", False) not in _DISTINCT_VALUES:
        errs.append(f"parity: distinct_stdout must be one of {_DISTINCT_VALUES}")
    offsets = case.parity.get("known_stdout_offsets", {})
    if not all(isinstance(k, str) and k and isinstance(v, int) for k, v in offsets.items()):
        errs.append("parity: known_stdout_offsets maps a line prefix to an integer offset")
    if not str(d.get("description", "")).strip():
        errs.append("description is empty")
    if "fixed_limits" in d and not (isinstance(d["fixed_limits"], str) and d["fixed_limits"].strip()):
        errs.append("fixed_limits must say why the limits cannot be scaled (a non-empty string)")
    if not d.get("template", False):
        for name in files:
            if name and (case.path / name).is_file() and _PLACEHOLDER.search((case.path / name).read_text()):
                errs.append(f"{name} has {{{{…}}}} placeholders but template is not set")
    return errs


# ------------------------------------------------------------ time scale

TIME_SCALE_ENV = "XCODER_SUITE_TIME_SCALE"


def time_scale() -> float:
    """How many times slower than a native machine this one runs programs ($XCODER_SUITE_TIME_SCALE).

    1 unless set: an emulated VM (tests/deploy/cgroup_vm.py under TCG) sets it so that what a
    program needs still fits its limits there. Out-of-range or unparsable values are refused.
    """
    raw = os.environ.get(TIME_SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        factor = float(raw)
    except ValueError:
        raise CaseError(f"{TIME_SCALE_ENV}={raw!r} is not a number") from None
    if not 1.0 <= factor <= 100.0:
        raise CaseError(f"{TIME_SCALE_ENV}={raw!r} must be between 1 and 100")
    return factor


def scaled_limits(limits: dict[str, Any] | None, model: type[Limits] | type[CompileLimits]) -> dict[str, Any]:
    """`limits` (Limits or CompileLimits fields) with CPU and wall time times time_scale().

    A missing time_s is the model's default, scaled; a wall_s left unset stays derived from
    time_s. Both are capped at what the wire contract accepts (MAX_TIME_S, MAX_WALL_S).
    """
    out = dict(limits or {})
    factor = time_scale()
    if factor == 1.0:
        return out
    out["time_s"] = min(MAX_TIME_S, float(out.get("time_s", model.model_fields["time_s"].default)) * factor)
    if out.get("wall_s") is not None:
        out["wall_s"] = min(MAX_WALL_S, float(out["wall_s"]) * factor)
    return out


# ------------------------------------------------------------ host facts


def non_loopback_ipv4() -> str:
    """This machine's own first non-loopback IPv4 address (never an outside address)."""
    for _name, addrs in sorted(psutil.net_if_addrs().items()):
        for a in addrs:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return a.address
    raise RuntimeError("this machine has no non-loopback IPv4 address; the network cases need one")


class Listener:
    """A TCP and a UDP socket on 0.0.0.0:<port> that count whoever reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("0.0.0.0", 0))
        self.port = self.tcp.getsockname()[1]
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", self.port))
        self._lock = threading.Lock()
        self.hits: list[str] = []
        self._stop = False
        self._threads = [
            threading.Thread(target=self._accept, daemon=True, name="suite-tcp-listener"),
            threading.Thread(target=self._recv, daemon=True, name="suite-udp-listener"),
        ]
        for t in self._threads:
            t.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, addr = self.tcp.accept()
            except OSError:
                return
            with self._lock:
                self.hits.append(f"tcp from {addr}")
            conn.close()

    def _recv(self) -> None:
        while not self._stop:
            try:
                _, addr = self.udp.recvfrom(65536)
            except OSError:
                return
            with self._lock:
                self.hits.append(f"udp from {addr}")

    def count(self) -> int:
        with self._lock:
            return len(self.hits)

    def close(self) -> None:
        self._stop = True
        for s in (self.tcp, self.udp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@dataclass
class HostFacts:
    """Facts about this host that cases may template into their files as {{NAME}}."""

    ipv4: str
    listener: Listener
    canary: str
    work_dir: Path
    cache_dir: Path
    sandbox_uids: range
    slots: int
    extra: dict[str, str] = field(default_factory=dict)

    def values(self, token: str, bait_dir: Path) -> dict[str, str]:
        return {
            "HOST_IPV4": self.ipv4,
            "LISTEN_PORT": str(self.listener.port),
            "CANARY": self.canary,
            "WORK_DIR": str(self.work_dir),
            "CACHE_DIR": str(self.cache_dir),
            "REPO": str(REPO_ROOT),
            "SITE_PACKAGES": sysconfig.get_paths()["purelib"],
            "STDLIB": sysconfig.get_paths()["stdlib"],
            "JUDGE_PID": str(os.getpid()),
            "SANDBOX_UID": str(self.sandbox_uids.start),
            "SLOTS": str(self.slots),
            "TOKEN": token,
            "BAIT_DIR": str(bait_dir),
            **self.extra,
        }


def render(text: str, values: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise CaseError(f"unknown placeholder {{{{{m.group(1)}}}}}")
        return values[m.group(1)]

    return _PLACEHOLDER.sub(sub, text)


def render_any(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, list):
        return [render_any(v, values) for v in value]
    if isinstance(value, dict):
        return {k: render_any(v, values) for k, v in value.items()}
    return value


# ------------------------------------------------------------- bait dirs

BAIT_CONTENT = "bait file: must survive the run unchanged\n"


def make_bait(token: str) -> Path:
    """A world-writable host dir a sandboxed program must neither see nor reach through links."""
    d = Path(f"/tmp/xcoder-suite-bait-{token}")
    d.mkdir(mode=0o777)
    os.chmod(d, 0o777)
    f = d / "keep.txt"
    f.write_text(BAIT_CONTENT)
    os.chmod(f, 0o666)
    return d


def bait_problems(d: Path) -> list[str]:
    errs = []
    if not d.is_dir() or d.is_symlink():
        return [f"bait dir {d} is gone or replaced"]
    st = d.stat()
    if stat.S_IMODE(st.st_mode) != 0o777 or st.st_uid != os.getuid():
        errs.append(f"bait dir {d} mode/owner changed: {oct(st.st_mode)} uid {st.st_uid}")
    f = d / "keep.txt"
    if not f.is_file() or f.is_symlink():
        errs.append(f"bait file {f} is gone or replaced")
    else:
        fs = f.stat()
        if stat.S_IMODE(fs.st_mode) != 0o666 or fs.st_uid != os.getuid():
            errs.append(f"bait file {f} mode/owner changed: {oct(fs.st_mode)} uid {fs.st_uid}")
        if f.read_text() != BAIT_CONTENT:
            errs.append(f"bait file {f} content changed")
    others = sorted(p.name for p in d.iterdir() if p.name != "keep.txt")
    if others:
        errs.append(f"bait dir {d} gained entries {others}")
    return errs


def remove_bait(d: Path) -> None:
    shutil.rmtree(d, ignore_errors=True)


# -------------------------------------------------------------- processes


def sandbox_processes(uids: range, names: Iterable[str] = ()) -> list[str]:
    """Host processes running as a sandbox uid, or named like a planted daemon."""
    names = set(names)
    found = []
    for p in psutil.process_iter(["pid", "name", "uids", "cmdline", "status"]):
        try:
            info = p.info
            u = info["uids"]
            hit = u is not None and any(x in uids for x in (u.real, u.effective, u.saved))
            if hit or (info["name"] in names):
                found.append(
                    f"pid {info['pid']} ({info['status']}) uid {u.real if u else None}"
                    f" name {info['name']!r} cmdline {' '.join(info['cmdline'] or [])[:160]!r}"
                )
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


# -------------------------------------------------------------- submission


def _test_payload(case: Case, t: dict[str, Any], values: dict[str, str], templ: bool) -> dict[str, Any]:
    r = (lambda s: render(s, values)) if templ else (lambda s: s)
    kind = t.get("kind", "stdio")
    out: dict[str, Any] = {"kind": kind}
    if "id" in t:
        out["id"] = t["id"]
    if kind == "stdio":
        if "input_file" in t:
            out["input"] = case.read(t["input_file"])
        else:
            out["input"] = r(t.get("input", ""))
        if "expected_file" in t:
            out["expected"] = case.read(t["expected_file"])
        elif "expected" in t:
            out["expected"] = r(t["expected"])
        else:
            out["expected"] = None
    elif kind == "call":
        out["args"] = json.loads(t["args_json"]) if "args_json" in t else t.get("args", [])
        out["kwargs"] = t.get("kwargs", {})
        out["expected"] = json.loads(t["expected_json"]) if "expected_json" in t else t.get("expected")
    elif kind == "assert":
        out["code"] = r(t["code"])
        if "entry_point" in t:
            out["entry_point"] = t["entry_point"]
    else:
        raise CaseError(f"{case.id}: unknown test kind {kind!r}")
    return out


def _program(case: Case, sec: dict[str, Any], values: dict[str, str], templ: bool) -> dict[str, Any]:
    src = case.read(sec["source"])
    files = {name: case.read(path) for name, path in sec.get("files", {}).items()}
    if templ:
        files = {name: render(text, values) for name, text in files.items()}
    out = {
        "language": sec["language"],
        "source": render(src, values) if templ else src,
        "files": files,
    }
    out.update({k: sec[k] for k in ("protocol", "flags") if k in sec})
    return out


def submission_payload(case: Case, values: dict[str, str]) -> dict[str, Any]:
    """The Submission (as a dict, validated by the caller) that a case describes."""
    d = case.data
    templ = bool(d.get("template", False))
    src = case.read(d["source"])
    payload: dict[str, Any] = {
        "language": d["language"],
        "source": render(src, values) if templ else src,
        "tests": [_test_payload(case, t, values, templ) for t in d["tests"]],
        "output": d.get("output", "all"),
        "output_cap_bytes": d.get("output_cap_bytes", 65536),
        "stop_on_first_failure": d.get("stop_on_first_failure", False),
    }
    if "files" in d:
        payload["files"] = {
            name: render(case.read(path), values) if templ else case.read(path)
            for name, path in d["files"].items()
        }
    if "limits" in d:
        payload["limits"] = dict(d["limits"])
    if "compile_limits" in d:
        payload["compile_limits"] = dict(d["compile_limits"])
    if time_scale() != 1.0 and "fixed_limits" not in d:
        payload["limits"] = scaled_limits(payload.get("limits"), Limits)
        payload["compile_limits"] = scaled_limits(payload.get("compile_limits"), CompileLimits)
    if "fn_name" in d:
        payload["fn_name"] = d["fn_name"]
    if "passes" in d:
        payload["passes"] = d["passes"]
    if "checker" in d:
        chk = dict(d["checker"])
        if chk.get("kind") == "program":
            payload["checker"] = {"kind": "program", **_program(case, chk, values, templ)}
        else:
            payload["checker"] = chk
    if "interactor" in d:
        payload["interactor"] = _program(case, d["interactor"], values, templ)
    return payload


# ------------------------------------------------------------------ checks


def _short(s: str | None, n: int = 600) -> str:
    if s is None:
        return "None"
    return repr(s if len(s) <= n else s[:n] + f"...[{len(s) - n} more]")


def expectations_for(case: Case, index: int, values: dict[str, str]) -> dict[str, Any]:
    """The merged `[each]` + `[[tests]]` expectations for one test, templated."""
    merged = dict(case.data.get("each", {}))
    t = case.data["tests"][index]
    merged.update({k: v for k, v in t.items() if k in _TEST_EXPECT_KEYS})
    return render_any(merged, values)


def check_result(case: Case, result: Any, values: dict[str, str]) -> list[str]:
    """Compare a SubmissionResult with the case's expectations; one message per mismatch."""
    errs: list[str] = []
    exp = render_any(case.expect, values)
    want = _as_set(exp["verdict"])
    if result.verdict.value not in want:
        errs.append(
            f"overall verdict {result.verdict.value}, expected one of {sorted(want)} ({result.message!r})"
        )
    if "passed" in exp and result.passed != exp["passed"]:
        errs.append(f"passed {result.passed}, expected {exp['passed']}")
    comp = result.compile
    if "compile_ok" in exp:
        ok = comp.ok if comp is not None else None
        if ok != exp["compile_ok"]:
            errs.append(f"compile ok {ok}, expected {exp['compile_ok']}")
    comp_out = comp.output if comp is not None else ""
    for s in exp.get("compile_output_contains", []):
        if s not in comp_out:
            errs.append(f"compile output lacks {s!r}: {_short(comp_out)}")
    for s in exp.get("compile_output_not_contains", []):
        if s in comp_out:
            errs.append(f"compile output contains {s!r} (a leak): {_short(comp_out)}")
    if exp.get("distinct_stdout"):
        outs = [t.stdout for t in result.tests]
        if len(set(outs)) != len(outs):
            errs.append(f"stdout repeats across tests: {[_short(o, 80) for o in outs]}")

    n = len(case.data["tests"])
    needs_tests = any(expectations_for(case, i, values) for i in range(n))
    if needs_tests and not result.tests and result.verdict.value == "CE":
        # A submission that does not compile may come back without per-test results: then a
        # test's expectations hold only if CE was one of its accepted verdicts.
        for i in range(n):
            te = expectations_for(case, i, values)
            if "verdict" in te and "CE" not in _as_set(te["verdict"]):
                errs.append(f"test {i}: no result (CE), expected {sorted(_as_set(te['verdict']))}")
        return errs
    if needs_tests and len(result.tests) != n:
        errs.append(f"{len(result.tests)} test results for {n} tests")
        return errs
    for i in range(n):
        te = expectations_for(case, i, values)
        if not te:
            continue
        tr = result.tests[i]
        where = f"test {i}"
        if "verdict" in te and tr.verdict.value not in _as_set(te["verdict"]):
            errs.append(
                f"{where}: verdict {tr.verdict.value}, expected {sorted(_as_set(te['verdict']))}"
                f" (exit {tr.exit_code}, signal {tr.signal}, message {tr.message!r},"
                f" stdout {_short(tr.stdout, 300)}, stderr {_short(tr.stderr, 300)})"
            )
        if "exit_code" in te and tr.exit_code != te["exit_code"]:
            errs.append(f"{where}: exit code {tr.exit_code}, expected {te['exit_code']}")
        if "signal" in te and tr.signal != te["signal"]:
            errs.append(f"{where}: signal {tr.signal}, expected {te['signal']}")
        for key, stream in (("stdout", tr.stdout), ("stderr", tr.stderr)):
            text = stream or ""
            if key in te and text != te[key]:
                errs.append(f"{where}: {key} {_short(stream)}, expected {_short(te[key])}")
            for s in te.get(f"{key}_contains", []):
                if s not in text:
                    errs.append(f"{where}: {key} lacks {s!r}: {_short(stream)}")
            for s in te.get(f"{key}_not_contains", []):
                if s in text:
                    errs.append(f"{where}: {key} contains {s!r}: {_short(stream)}")
        if "stdout_regex" in te and not re.search(te["stdout_regex"], tr.stdout or "", re.M):
            errs.append(f"{where}: stdout does not match /{te['stdout_regex']}/: {_short(tr.stdout)}")
        if "reason" in te and tr.reason != te["reason"]:
            errs.append(f"{where}: reason {tr.reason!r}, expected {te['reason']!r} ({tr.message!r})")
        for s in te.get("message_contains", []):
            if s not in tr.message:
                errs.append(f"{where}: message lacks {s!r}: {tr.message!r}")
        for s in te.get("message_not_contains", []):
            if s in tr.message:
                errs.append(f"{where}: message contains {s!r}: {tr.message!r}")
    return errs


def new_token() -> str:
    return secrets.token_hex(6)
