"""The package stays light and its public surface stays deliberate."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import xcoder_client
from xcoder_client.cli import _plugin_path, main


def test_core_dependencies_are_the_wire_contract_httpx_and_pydantic_only():
    requires = importlib.metadata.requires("xcoder-client") or []
    core = {
        r.split(";")[0].split("<")[0].split(">")[0].split("=")[0].strip()
        for r in requires
        if "extra ==" not in r
    }
    assert core == {"xcoder-wire", "httpx", "pydantic"}


def test_importing_every_module_pulls_in_no_heavy_framework():
    code = (
        "import sys, json; import xcoder_client, xcoder_client.verl, xcoder_client.swift_orm, xcoder_client.cli, "
        "xcoder_client.filter, xcoder_client.coalesce;"
        "print(json.dumps(sorted({'fastapi', 'torch', 'verl', 'swift', 'numpy', 'redis', 'xcoder_judge'}"
        " & set(sys.modules))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_public_names():
    assert set(xcoder_client.__all__) == {
        "AssertTest",
        "AsyncJudgeClient",
        "CallTest",
        "ClientSettings",
        "ExtractStatus",
        "Extraction",
        "JudgeAuthError",
        "JudgeClient",
        "JudgeConfigError",
        "JudgeError",
        "JudgeOverloaded",
        "JudgeProtocolError",
        "JudgeRequestError",
        "JudgeServerError",
        "JudgeTimeout",
        "JudgeTransportError",
        "JudgeUnavailable",
        "Limits",
        "StdioTest",
        "Submission",
        "SubmissionResult",
        "TestFormatError",
        "TestResult",
        "TestSuite",
        "Verdict",
        "build_submission",
        "extract_code",
        "get_settings",
        "parse_tests",
        "select_tests",
    }
    assert all(hasattr(xcoder_client, name) for name in xcoder_client.__all__)


def test_plugin_paths(capsys):
    assert main(["plugin-path", "verl"]) == 0
    assert capsys.readouterr().out.strip().endswith("xcoder_client/verl.py")
    swift = _plugin_path("swift")
    assert swift.is_file() and sorted(p.name for p in swift.parent.glob("*.py")) == [
        "__init__.py",
        "xcoder_swift_plugin.py",
    ]  # alone in its folder: swift puts the folder on sys.path
    assert main(["plugin-path", "openrlhf"]) == 0
    assert capsys.readouterr().out.strip().endswith("xcoder_client/openrlhf_reward_func.py")


def test_missing_judge_url_is_a_clear_error():
    import pytest
    from xcoder_client import JudgeClient, JudgeConfigError

    with pytest.raises(JudgeConfigError, match="XCODER_CLIENT_JUDGE_URL"):
        JudgeClient()


def test_settings_come_from_the_environment(monkeypatch):
    from xcoder_client import JudgeClient, get_settings

    monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", "http://judge.example:9000/")
    monkeypatch.setenv("XCODER_CLIENT_MAX_RETRIES", "7")
    get_settings.cache_clear()
    with JudgeClient(chunk_size=3) as client:
        assert (client.base_url, client.max_retries, client.chunk_size) == ("http://judge.example:9000", 7, 3)
