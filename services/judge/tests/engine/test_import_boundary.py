"""The engine is a library: importing it pulls in no web framework, Redis, RQ or service settings."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_no_service_dependencies() -> None:
    code = (
        "import sys, xcoder_judge.engine, xcoder_judge.engine.judge, xcoder_judge.engine.program_checker;"
        "bad = [m for m in ('fastapi', 'starlette', 'redis', 'rq', 'uvicorn', 'pydantic_settings',"
        " 'xcoder_judge.config') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_static_language_lookup_has_no_side_effects() -> None:
    code = (
        "import xcoder_judge.engine.languages as l, subprocess; print(l.KNOWN_LANGUAGES['cpp17'].aliases[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "cpp"
