"""The Dockerfiles: hadolint, the build context they see through .dockerignore, and what each image
is promised to be (non-root API and synth images; a worker image with every toolchain)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.support import REPO, Tools, run

DOCKER = REPO / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
IMAGES = {p.name.removesuffix(".Dockerfile") for p in DOCKERFILES}


def test_the_three_images_exist() -> None:
    assert {"judge-api", "judge-worker", "synth"} == IMAGES


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes(tools: Tools, dockerfile: Path) -> None:
    run([tools.hadolint, "--config", DOCKER / ".hadolint.yaml", dockerfile])


def test_hadolint_does_flag_a_bad_dockerfile(tools: Tools, tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN cd /tmp && apt-get install curl\n")
    proc = run([tools.hadolint, "--config", DOCKER / ".hadolint.yaml", bad], check=False)
    assert proc.returncode != 0
    for rule in ("DL3007", "DL3003", "DL3014"):  # :latest, cd instead of WORKDIR, apt-get without -y
        assert rule in proc.stdout


@pytest.mark.parametrize(
    "script",
    [
        DOCKER / "judge-worker-entrypoint.sh",
        REPO / "tests/deploy/install-tools.sh",
        REPO / "scripts/build-images.sh",
        REPO / "scripts/deploy-check.sh",
        REPO / "tests/deploy/vm/build-image.sh",
        REPO / "tests/deploy/vm/guest.sh",
        REPO / "tests/deploy/vm/init",
    ],
    ids=lambda p: p.name,
)
def test_shellcheck_passes(tools: Tools, script: Path) -> None:
    run([tools.shellcheck, "--severity=info", script])


# ------------------------------------------------------------------ build context


def _dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(negated, regex) per line of /.dockerignore, with Docker's pattern semantics."""
    out = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        out.append((negated, re.compile(f"^{regex}$")))
    return out


def in_context(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether a repository path reaches the build context (the last matching pattern decides;
    a pattern matches a path or any of its parent directories)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for negated, regex in patterns:
        if any(regex.match(p) for p in prefixes):
            included = negated
    return included


def _repo_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if (REPO / line).is_file()]


def _copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().splitlines():
        if not line.startswith("COPY ") or "--from=" in line:
            continue
        args = line.split()[1:]
        sources += [a.rstrip("/") for a in args[:-1]]
    return sources


def test_dockerignore_semantics() -> None:
    patterns = _dockerignore_patterns()
    assert in_context("services/judge/xcoder_judge/config.py", patterns)
    assert not in_context("services/judge/tests/test_suite.py", patterns)
    assert not in_context("services/judge/xcoder_judge/__pycache__/config.cpython-311.pyc", patterns)
    assert not in_context(".venv/bin/python", patterns)
    assert not in_context("helm/xcoder/values.yaml", patterns)
    assert in_context("scripts/install-toolchains.sh", patterns)
    assert not in_context("scripts/setup.sh", patterns)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_copy_source_reaches_the_build_context(dockerfile: Path) -> None:
    patterns = _dockerignore_patterns()
    files = _repo_files()
    sources = _copy_sources(dockerfile)
    assert sources
    for src in sources:
        under = [f for f in files if f == src or f.startswith(src + "/")]
        assert under, f"{dockerfile.name}: COPY {src}: nothing in the repository"
        sent = [f for f in under if in_context(f, patterns)]
        assert sent, f"{dockerfile.name}: COPY {src}: excluded by .dockerignore"
        if (REPO / src / "pyproject.toml").is_file():
            assert f"{src}/pyproject.toml" in sent


@pytest.mark.parametrize("package", ["wire", "services/judge", "clients", "services/synth-api"])
def test_packages_build_from_the_build_context(package: str, tmp_path: Path) -> None:
    """What `pip install ./<package>` sees in the image: only the files .dockerignore lets through."""
    patterns = _dockerignore_patterns()
    context = tmp_path / "context"
    for f in _repo_files():
        if f.startswith(package + "/") and in_context(f, patterns):
            (context / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, context / f)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            tmp_path / "wheels",
            context / package,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list((tmp_path / "wheels").glob("*.whl"))


# ------------------------------------------------------------------ what each image is


def _final_stage(dockerfile: Path) -> str:
    text = dockerfile.read_text()
    return text[text.rindex("\nFROM ") :]


@pytest.mark.parametrize("image", ["judge-api", "synth"])
def test_api_images_run_unprivileged_without_toolchains(image: str) -> None:
    final = _final_stage(DOCKER / f"{image}.Dockerfile")
    assert re.search(r"^USER 10001:10001$", final, re.M)
    assert "install-toolchains" not in final
    for compiler in ("g++", "gcc", "javac", "golang", "rustc", "pypy3", "nodejs"):
        assert compiler not in final


def test_worker_image_installs_every_toolchain_with_the_shared_script() -> None:
    final = _final_stage(DOCKER / "judge-worker.Dockerfile")
    assert "COPY scripts/install-toolchains.sh" in final
    assert re.search(r"install-toolchains\.sh --clean", final)
    assert re.search(r"install-toolchains\.sh --check", final)  # the build fails if one is missing
    assert not re.search(r"^USER ", final, re.M)  # root: the sandbox drops privileges per slot
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/xcoder-judge-worker-entrypoint"]' in final
    assert (DOCKER / "judge-worker-entrypoint.sh").stat().st_mode & 0o111
    assert re.search(r"apt-get install -y --no-install-recommends libseccomp2 tini", final)
    # Every language of the judge's registry has a line in the script the image runs.
    script = (REPO / "scripts" / "install-toolchains.sh").read_text()
    for lang in (
        "python3", "c", "cpp", "java", "javascript", "go", "pypy3", "rust",
        "typescript", "kotlin", "scala", "csharp", "haskell", "pascal", "ruby", "php", "perl", "lua", "bash",
    ):  # fmt: skip
        assert re.search(rf'^\s+"{lang}\|', script, re.M), lang


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_images_share_one_pinned_base(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    assert text.count("FROM ${PYTHON_IMAGE}") == 2  # build stage and runtime
