"""The wire package stays what every other package can depend on: pydantic and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import xcoder_wire

MODULES = [
    "xcoder_wire." + p.stem for p in Path(xcoder_wire.__file__).parent.glob("*.py") if p.stem != "__init__"
]


def test_importing_every_module_loads_only_pydantic_and_the_standard_library() -> None:
    code = (
        "import importlib, json, sys; before = set(sys.modules);"
        f"[importlib.import_module(m) for m in {[*MODULES, 'xcoder_wire.checkers']!r}];"
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m for m in json.loads(out.stdout) if not m.startswith("_")} - set(sys.stdlib_module_names)
    # pydantic's own dependencies come with it.
    assert loaded <= {
        "xcoder_wire",
        "pydantic",
        "pydantic_core",
        "typing_extensions",
        "annotated_types",
        "typing_inspection",
    }
    assert "xcoder_wire" in loaded


def test_the_package_is_typed() -> None:
    assert (Path(xcoder_wire.__file__).parent / "py.typed").is_file()
