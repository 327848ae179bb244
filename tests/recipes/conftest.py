"""Fixtures of the recipe tests (sft/, rl/, eval/).

`train_python` is a Python with the real training stacks (verl 0.9.1, ms-swift 4.6, CPU torch,
xcoder-client, + DeepSpeed): the venv `clients/scripts/setup-train-venv.sh` makes (XCODER_TRAIN_VENV,
default clients/.venv-train; created on first use, ~2 min; CI should create it in its setup step).
Launch-script configurations are validated through that code.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRAIN_VENV = ROOT / "clients" / ".venv-train"
SETUP_SCRIPT = ROOT / "clients" / "scripts" / "setup-train-venv.sh"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def _imports(python: str, modules: str) -> bool:
    probe = subprocess.run([python, "-c", f"import {modules}"], capture_output=True, timeout=300)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def train_python() -> str:
    """The training-stack venv's Python (XCODER_TRAIN_VENV, default clients/.venv-train), made if missing."""
    venv = Path(os.environ.get("XCODER_TRAIN_VENV", TRAIN_VENV))
    python = str(venv / "bin" / "python")
    with open("/tmp/xcoder-train-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one creator at a time across test sessions
        setup = subprocess.run(
            ["bash", str(SETUP_SCRIPT), str(venv)], capture_output=True, text=True, timeout=1500
        )
        if setup.returncode != 0:
            pytest.fail(f"{SETUP_SCRIPT} failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}")
        # swift's SftArguments imports DeepSpeed when --deepspeed is given; the clients' venv lacks it.
        if not _imports(python, "deepspeed"):
            run = subprocess.run(
                [python, "-m", "pip", "install", "-q", "--no-build-isolation", "deepspeed"],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if run.returncode != 0:
                pytest.fail(f"installing deepspeed into {venv} failed:\n{run.stderr[-3000:]}")
    return python


@pytest.fixture(scope="session")
def run_script():
    """Run a recipe shell script from the repository root with extra environment variables."""

    def run(script: str, env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **env}
        return subprocess.run(
            ["bash", str(ROOT / script), *args],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
