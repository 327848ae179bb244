"""The `xcoder-judge` command line: flags are the environment variables, errors name both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xcoder_judge import cli
from xcoder_judge.config import get_settings
from xcoder_judge.testing import claim_uid_block


@pytest.fixture
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("XCODER_JUDGE_"):
            monkeypatch.delenv(key)
    yield
    get_settings.cache_clear()


def test_flags_set_the_variables_of_the_same_name(clean_env):
    args = cli.build_parser().parse_args(
        ["worker", "--slots", "3", "--lease-s", "2.5", "--redis-url", "redis://h:1/2"]
    )
    settings = cli._load_settings(args)
    assert (settings.slots, settings.lease_s, settings.redis_url) == (3, 2.5, "redis://h:1/2")
    assert os.environ["XCODER_JUDGE_SLOTS"] == "3"  # children (serve's api and worker) inherit them
    api = cli._load_settings(cli.build_parser().parse_args(["api", "--workers", "4", "--port", "9000"]))
    assert (api.api_workers, api.port) == (4, 9000)


def test_bad_values_exit_2_naming_variable_and_flag(clean_env, capsys):
    assert cli.main(["api", "--port", "99999"]) == 2
    err = capsys.readouterr().err
    assert "XCODER_JUDGE_PORT (--port)" in err and "65535" in err


def test_every_command_documents_its_flags():
    help_text = subprocess.run(
        [sys.executable, "-m", "xcoder_judge.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in ("--redis-url", "--slots", "--max-queue", "--api-keys", "--lease-s", "--job-threads"):
        assert flag in help_text
    assert "[XCODER_JUDGE_MAX_QUEUE]" in help_text


def test_check_and_languages_start_the_real_sandbox(tmp_path: Path):
    base, lock = claim_uid_block()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XCODER_JUDGE_")}
        flags = [
            "--slots",
            "1",
            "--sandbox-uid",
            str(base),
            "--work-dir",
            str(tmp_path),
            "--languages",
            "python3,c",
        ]
        tmp_path.chmod(0o755)
        check = subprocess.run(
            [sys.executable, "-m", "xcoder_judge.cli", "check", "--json", *flags],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr[-2000:]
        doc = json.loads(check.stdout)
        assert doc["capabilities"]["level"] in ("full", "partial", "rlimits")
        assert {lang["id"] for lang in doc["languages"]} == {"python3", "c"}
        text = subprocess.run(
            [sys.executable, "-m", "xcoder_judge.cli", "languages", *flags],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert text.returncode == 0 and "python3" in text.stdout and "c " in text.stdout
    finally:
        lock.release()
