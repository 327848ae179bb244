"""One image build and run on every change: the API and worker images built by podman from this
checkout's Dockerfiles on the debootstrap base (scripts/build-images.sh), then the worker started
with exactly the chart's security context beside the API and Redis, the smoke set judged through
the published port, and the worker started once without each documented capability (it must stop
with exit status 78, naming it). This is `scripts/deploy-check.sh containers`; the other stages
(compose, kube play, the suite's hostile groups in the container, the VM) run by hand.

podman keeps its images and build cache in /var/lib/containers, so after the first build on a
machine (the base by debootstrap, the toolchains: some ten minutes) a run rebuilds only the
layers the change touched. Needs root, podman, buildah, runc, netavark (scripts/setup.sh --test).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.deploy.support import REPO

pytestmark = pytest.mark.slow
CAPABILITIES = ("SYS_ADMIN", "SETUID", "SETGID", "KILL", "DAC_OVERRIDE")


def _script(*args: str, timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    env = dict(os.environ, XCODER_CHECK_PORT="18070")
    proc = subprocess.run(
        [str(REPO / "scripts" / a) if a.endswith(".sh") else a for a in args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    return proc, time.monotonic() - t0


@pytest.fixture(scope="module")
def images() -> str:
    for tool in ("podman", "buildah", "runc", "debootstrap"):
        assert shutil.which(tool), f"{tool} is missing: run ./scripts/setup.sh --test"
    proc, took = _script("build-images.sh", "judge-api", "judge-worker", timeout=3000)
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(f"build-images.sh judge-api judge-worker: {took:.0f} s\n{proc.stdout}")
    return proc.stdout


def test_both_images_are_built_from_this_checkout(images: str) -> None:
    built = dict(line.split(" ", 1) for line in images.splitlines() if line.startswith("localhost/"))
    assert {"localhost/xcoder/judge-api:0.1.0", "localhost/xcoder/judge-worker:0.1.0"} <= set(built)
    label = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Config.User}}", "localhost/xcoder/judge-api:0.1.0"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert label.startswith("10001"), label  # the API image never runs as root


def test_the_worker_runs_under_the_charts_security_context(images: str) -> None:
    proc, took = _script("deploy-check.sh", "containers", timeout=1200)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "smoke: ok" in out, out[-3000:]
    for name, verdict in (
        ("python-ac", "AC"),
        ("python-wa", "WA"),
        ("python-tle", "TLE"),
        ("python-mle", "MLE"),
    ):
        assert f"smoke: {name}: {verdict} (" in out, out[-3000:]
    for cap in CAPABILITIES:
        assert f"without {cap}: exit 78" in out and f"lacks CAP_{cap} " in out, out[-3000:]
    print(f"deploy-check.sh containers: {took:.0f} s")
