"""Reading a Kattis/ICPC problem package (legacy and 2023-07 formats, and DOMjudge's variant).

What is read: problem.yaml (type or validation, limits, validator_flags), domjudge-problem.ini
(timelimit), a `.timelimit` file, `data/{sample,secret}/**/*.in` with their `.ans` (and
`testdata.yaml`'s `output_validator_flags`), `output_validators/<name>/` or `output_validator/`,
and `submissions/<label>/` (files, or folders for multi-file programs). Statements, input
validators, graders and generators are not needed to judge and are not read.

Why one module: it reads one format, top-down in the order of the package's layout (metadata,
limits, test data, output validator, submissions); each part is a small function, and the
format's variants (legacy, 2023-07, DOMjudge) differ inside those parts, not as whole readers.
"""

from __future__ import annotations

import configparser
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from xcoder_wire.checkers import kattis

from xcoder_judge.problems.languages import SourceLanguage, detect

# The expected verdicts of each submissions/ folder (problemtools; BAPCtools; DOMjudge).
# Kattis reports MLE as run-time error, so RE-labelled programs may end as MLE here.
LABELS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"AC"}),
    "wrong_answer": frozenset({"WA", "PE"}),
    "presentation_error": frozenset({"PE"}),
    "time_limit_exceeded": frozenset({"TLE"}),
    "run_time_error": frozenset({"RE", "MLE"}),
    "memory_limit_exceeded": frozenset({"MLE", "RE"}),
    "output_limit_exceeded": frozenset({"OLE", "RE"}),
    "compile_error": frozenset({"CE"}),
    "slow_accepted": frozenset({"AC", "TLE"}),
    "brute_force": frozenset({"AC", "TLE"}),
    "rejected": frozenset({"WA", "PE", "TLE", "RE", "MLE", "OLE"}),
    "partially_accepted": frozenset({"WA", "PE", "TLE", "RE", "MLE", "OLE"}),
}
# DOMjudge's @EXPECTED_RESULTS@ names.
_DOMJUDGE_RESULTS = {
    "CORRECT": "AC",
    "WRONG_ANSWER": "WA",
    "WRONG-ANSWER": "WA",
    "TIMELIMIT": "TLE",
    "RUN_ERROR": "RE",  # DOMjudge reports a program over its memory limit as a run error
    "RUN-ERROR": "RE",
    "NO_OUTPUT": "WA",
    "NO-OUTPUT": "WA",
    "OUTPUT_LIMIT": "OLE",
    "OUTPUT-LIMIT": "OLE",
    "COMPILER_ERROR": "CE",
    "COMPILER-ERROR": "CE",
    "MEMORY_LIMIT": "MLE",
    "MEMORY-LIMIT": "MLE",
    # the same verdicts under the names of the problem package format
    "ACCEPTED": "AC",
    "RUN_TIME_ERROR": "RE",
    "TIME_LIMIT_EXCEEDED": "TLE",
}
# DOMjudge: the source says what it expects (@EXPECTED_SCORE@ is accepted as the same tag).
_EXPECTED_RESULTS = re.compile(r"@EXPECTED_(?:RESULTS|SCORE)@:[ \t]*([A-Za-z_,\- \t]+)")
_MANUAL = {"CHECK-MANUALLY", "CHECK_MANUALLY"}


class PackageError(ValueError):
    """The folder is not a problem package we can judge; the message says what is wrong."""


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    name: str  # path under data/ without the extension, e.g. "secret/subtask1/03"
    input: str
    answer: str
    flags: tuple[str, ...] = ()  # output_validator_flags in force for this case

    @property
    def sample(self) -> bool:
        return self.name.startswith("sample/")


@dataclass(frozen=True)
class ProgramFiles:
    """A program of the package: its main file, the other files beside it, its language."""

    path: str  # relative to the package
    language: SourceLanguage
    source: str  # the main file
    files: dict[str, str] = field(default_factory=dict)  # the other text files, by name


@dataclass(frozen=True)
class LabelledSubmission:
    path: str
    label: str  # the submissions/ folder
    expected: frozenset[str]
    program: ProgramFiles | None  # None: not readable as text (the reason says why)
    reason: str = ""


@dataclass
class ProblemPackage:
    root: Path
    name: str
    interactive: bool
    multi_pass: bool
    validation_passes: int
    time_limit: float | None  # from the package, when it fixes one
    ac_to_time_limit: float  # time_multiplier (legacy) / time_multipliers.ac_to_time_limit
    time_limit_to_tle: float  # time_safety_margin / time_multipliers.time_limit_to_tle
    memory_mb: int
    output_mb: int
    validator: ProgramFiles | None  # None: the default validator
    validator_flags: tuple[str, ...]
    tests: list[TestCase]
    submissions: list[LabelledSubmission]
    format_version: str = "legacy"
    domjudge: bool = False


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")


def _yaml(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as e:
        raise PackageError(f"{path}: not valid YAML: {e}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PackageError(f"{path}: expected a mapping at the top")
    return doc


def _flags(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    raise PackageError(f"{where}: flags must be a string or a list")


def _number(value: object, where: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PackageError(f"{where}: expected a number, got {value!r}") from None


def read_package(root: Path | str) -> ProblemPackage:
    """The package in `root`, or PackageError naming what is missing or malformed."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise PackageError(f"{root}: not a directory")
    meta = _yaml(root / "problem.yaml")
    ini = _domjudge_ini(root / "domjudge-problem.ini")
    if not meta and not ini and not (root / "data").is_dir():
        raise PackageError(f"{root}: no problem.yaml, domjudge-problem.ini or data/ folder")
    version = str(meta.get("problem_format_version", "legacy"))
    modern = version != "legacy"
    limits = meta.get("limits") or {}
    if not isinstance(limits, dict):
        raise PackageError("problem.yaml: limits must be a mapping")

    # type (2023-07) or validation (legacy): interactive, multi-pass, custom or default
    kinds: set[str] = set()
    ptype = meta.get("type", "pass-fail")
    kinds.update(ptype if isinstance(ptype, list) else str(ptype).split())
    validation = str(meta.get("validation", "default"))
    kinds.update(validation.split())
    interactive = "interactive" in kinds
    multi_pass = "multi-pass" in kinds

    if modern:
        mult = limits.get("time_multipliers") or {}
        ac_to_tl = _number(mult.get("ac_to_time_limit", 2.0), "limits.time_multipliers.ac_to_time_limit")
        tl_to_tle = _number(mult.get("time_limit_to_tle", 1.5), "limits.time_multipliers.time_limit_to_tle")
    else:
        ac_to_tl = _number(limits.get("time_multiplier", 5.0), "limits.time_multiplier")
        tl_to_tle = _number(limits.get("time_safety_margin", 2.0), "limits.time_safety_margin")
    time_limit = None
    if "time_limit" in limits:
        time_limit = _number(limits["time_limit"], "limits.time_limit")
    elif "timelimit" in ini:
        time_limit = _number(ini["timelimit"].strip("'\""), "domjudge-problem.ini timelimit")
    elif (root / ".timelimit").is_file():
        time_limit = _number(_read_text(root / ".timelimit").strip(), ".timelimit")
    if time_limit is not None and time_limit <= 0:
        raise PackageError(f"the time limit must be positive, got {time_limit:g}")

    validator = _validator(root, modern)
    if (interactive or multi_pass) and validator is None:
        raise PackageError("an interactive or multi-pass problem needs an output validator")
    if "custom" in kinds and validator is None:
        raise PackageError("problem.yaml asks for a custom validator, but there is none")
    flags = _flags(meta.get("validator_flags"), "problem.yaml validator_flags")
    tests = _tests(root / "data", flags)
    if validator is None:  # the default validator: its flags must be ones it knows
        for group_flags in {flags, *(t.flags for t in tests)}:
            try:
                kattis.from_flags(list(group_flags))
            except ValueError as e:
                raise PackageError(str(e)) from None
    name = meta.get("name", ini.get("name", root.name))
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), root.name)
    return ProblemPackage(
        root=root,
        name=str(name).strip("'\""),
        interactive=interactive,
        multi_pass=multi_pass,
        validation_passes=int(_number(limits.get("validation_passes", 2), "limits.validation_passes")),
        time_limit=time_limit,
        ac_to_time_limit=ac_to_tl,
        time_limit_to_tle=tl_to_tle,
        memory_mb=int(_number(limits.get("memory", 2048 if modern else 1024), "limits.memory")),
        output_mb=int(_number(limits.get("output", 8), "limits.output")),
        validator=validator,
        validator_flags=flags,
        tests=tests,
        submissions=_submissions(root / "submissions"),
        format_version=version,
        domjudge=bool(ini),
    )


def _domjudge_ini(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string("[problem]\n" + _read_text(path))
    except configparser.Error as e:
        raise PackageError(f"{path}: {e}") from None
    return dict(parser["problem"])


def _validator(root: Path, modern: bool) -> ProgramFiles | None:
    for folder in ("output_validator", "output_validators"):
        base = root / folder
        if not base.is_dir():
            continue
        entries = sorted(p for p in base.iterdir() if not p.name.startswith("."))
        dirs = [p for p in entries if p.is_dir()]
        files = [p for p in entries if p.is_file()]
        if files and not dirs:
            program = _program(base, root)
        elif len(dirs) == 1 and not files:
            program = _program(dirs[0], root)
        elif not entries:
            continue
        else:
            raise PackageError(
                f"{folder}/: expected one validator, found {', '.join(p.name for p in entries)}"
            )
        if program is None or program.language.id is None:
            what = program.language.name if program else "no source file"
            raise PackageError(
                f"{folder}/: the output validator is not in a language this judge runs ({what})"
            )
        return program
    return None


def _program(path: Path, root: Path, entry_point: str | None = None) -> ProgramFiles | None:
    """A file, or a folder of files with one main file: `entry_point` (DOMjudge's
    submissions.json) if given, else the one with main(), as Kattis picks."""
    rel = str(path.relative_to(root))
    if path.is_file():
        return ProgramFiles(rel, detect(path.name, _read_text(path)), _read_text(path))
    files = {
        p.name: _read_text(p) for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")
    }
    if not files:
        return None
    candidates = [(name, detect(name, text)) for name, text in files.items()]
    known = [(n, lang) for n, lang in candidates if lang.id is not None] or [
        (n, lang) for n, lang in candidates if lang.kind == "source"
    ]
    if not known:
        return ProgramFiles(rel, candidates[0][1], files[candidates[0][0]], {})
    if entry_point is not None:
        if entry_point not in files:
            raise PackageError(f"submissions.json: {rel} has no entry point {entry_point!r}")
        main, lang = entry_point, detect(entry_point, files[entry_point])
    else:
        main = next((n for n, _ in known if _has_main(files[n])), known[0][0])
        lang = dict(known)[main]
    others = {n: t for n, t in files.items() if n != main}
    return ProgramFiles(rel, lang, files[main], others)


_MAIN = re.compile(
    r"\bint\s+main\s*\(|\bstatic\s+void\s+main\s*\(|\bfunc\s+main\s*\(|\bfn\s+main\s*\("
    r"|^\s*program\s+\w+\s*(?:\([^)]*\))?\s*;",  # Pascal: the program (with its files), not a unit
    re.MULTILINE | re.IGNORECASE,
)


def _has_main(text: str) -> bool:
    return bool(_MAIN.search(text))


# A test group's settings: testdata.yaml (legacy, 2023-07) or test_group.yaml (2025-09); the
# validator's flags as output_validator_flags (legacy) or output_validator_args (2023-07 on).
_GROUP_FILES = ("testdata.yaml", "test_group.yaml")
_FLAG_KEYS = ("output_validator_flags", "output_validator_args")


def _group_flags(folder: Path, inherited: tuple[str, ...]) -> tuple[str, ...]:
    """The validator flags in force in `folder`: its own group file's, else its parent's."""
    for name in _GROUP_FILES:
        cfg = _yaml(folder / name)
        for key in _FLAG_KEYS:
            if key in cfg:
                return _flags(cfg[key], f"{folder / name}: {key}")
    return inherited


def _tests(data: Path, flags: tuple[str, ...]) -> list[TestCase]:
    if not data.is_dir():
        raise PackageError("no data/ folder")
    tests: list[TestCase] = []

    def walk(folder: Path, inherited: tuple[str, ...]) -> None:
        here = _group_flags(folder, inherited)
        for path in sorted(folder.iterdir()):
            if path.is_dir():
                walk(path, here)
            elif path.suffix == ".in":
                ans = path.with_suffix(".ans")
                if not ans.is_file():
                    raise PackageError(f"{path.relative_to(data.parent)}: no .ans beside it")
                name = str(path.relative_to(data).with_suffix(""))
                tests.append(TestCase(name, _read_text(path), _read_text(ans), here))

    for group in ("sample", "secret"):
        if (data / group).is_dir():
            walk(data / group, _group_flags(data, flags))
    if not tests:
        raise PackageError("data/: no test cases (.in files with an .ans beside them)")
    return tests


def _entry_points(root: Path) -> dict[str, str]:
    """DOMjudge's submissions.json: the main file of a multi-file submission, by folder."""
    path = root / "submissions.json"
    if not path.is_file():
        return {}
    try:
        doc = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise PackageError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise PackageError(f"{path}: expected an object at the top")
    out: dict[str, str] = {}
    for folder, spec in doc.items():
        if isinstance(spec, dict) and isinstance(spec.get("entry_point"), str):
            out[str(folder).strip("/")] = spec["entry_point"]
    return out


def _expected_results(program: ProgramFiles) -> tuple[frozenset[str] | None, str]:
    """The verdicts a DOMjudge tag names, in the main file or another one (None: no tag)."""
    for text in (program.source, *program.files.values()):
        m = _EXPECTED_RESULTS.search(text)
        if not m:
            continue
        names = [w.strip().upper() for w in m.group(1).split(",") if w.strip()]
        if any(w in _MANUAL for w in names):
            return frozenset(), "DOMjudge: CHECK-MANUALLY, no verdict to compare"
        known = frozenset(_DOMJUDGE_RESULTS[w] for w in names if w in _DOMJUDGE_RESULTS)
        if "RE" in known:  # DOMjudge and Kattis: a program over its memory limit is a run error
            known |= {"MLE"}
        if not known:
            return frozenset(), f"@EXPECTED_RESULTS@ names no verdict this judge knows ({m.group(1).strip()})"
        return known, ""
    return None, ""


def _submissions(base: Path) -> list[LabelledSubmission]:
    out: list[LabelledSubmission] = []
    if not base.is_dir():
        return out
    entry_points = _entry_points(base.parent)
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        label = folder.name
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            rel = str(entry.relative_to(base.parent))
            if entry.name.endswith(".disabled"):  # BAPCtools: kept in the package, not run
                out.append(
                    LabelledSubmission(rel, label, frozenset(), None, "disabled in the package (.disabled)")
                )
                continue
            program = _program(entry, base.parent, entry_points.get(rel))
            expected = LABELS.get(label)
            if program is not None:
                tagged, why = _expected_results(program)
                if why:
                    out.append(LabelledSubmission(rel, label, frozenset(), program, why))
                    continue
                expected = tagged or expected
            if expected is None:
                out.append(LabelledSubmission(rel, label, frozenset(), program, f"unknown folder {label!r}"))
                continue
            out.append(LabelledSubmission(rel, label, expected, program))
    return out
