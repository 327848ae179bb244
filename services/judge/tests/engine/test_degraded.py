"""Degraded isolation: without cgroups, and without root, the engine still judges correctly,
warns once, and reports the level it actually enforces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[4]
AB = "a, b = map(int, input().split())\nprint(a + b)\n"


@pytest.fixture(scope="module")
def rlimit_engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("nocg")
    root.chmod(0o755)
    engine = Engine(
        Settings(
            slots=1,
            cgroup="none",
            cache_dir=root / "cache",
            work_dir=root / "work",
            sandbox_uid=64000,
            languages="python3,c",
            self_test=False,
        )
    )
    engine.start()
    yield engine
    engine.close()


def test_without_cgroups_the_level_is_partial_with_a_warning(rlimit_engine: Engine) -> None:
    caps = rlimit_engine.capabilities()
    assert caps.cgroup == "none"
    assert caps.level == "partial"  # namespaces, seccomp and uid drop still hold
    assert caps.namespaces and caps.seccomp and caps.uid_drop
    assert any("rlimits" in w for w in caps.warnings)


def test_without_cgroups_limits_still_hold(rlimit_engine: Engine) -> None:
    ok = rlimit_engine.judge(
        Submission(language="python3", source=AB, tests=[{"input": "2 3", "expected": "5"}])
    )
    assert ok.verdict == Verdict.AC
    bomb = "x = []\nwhile True:\n    x.append(bytearray(1 << 24))\n"
    mem = rlimit_engine.judge(
        Submission(language="python3", source=bomb, tests=[{"input": ""}], limits={"memory_mb": 128})
    )
    assert mem.verdict == Verdict.MLE, mem.tests[0]
    forks = "#include <unistd.h>\nint main(){for(;;) fork();}\n"
    fb = rlimit_engine.judge(
        Submission(language="c", source=forks, tests=[{"input": ""}], limits={"time_s": 1, "processes": 16})
    )
    assert fb.verdict in (Verdict.TLE, Verdict.AC), fb.tests[0]  # contained: the tree never exceeds 16
    spin = rlimit_engine.judge(
        Submission(
            language="python3", source="while True: pass\n", tests=[{"input": ""}], limits={"time_s": 0.5}
        )
    )
    assert spin.verdict == Verdict.TLE


NOBODY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine
    from xcoder_wire.schemas import Submission
    root = Path(sys.argv[1])
    e = Engine(Settings(slots=1, python="/usr/bin/python3", cache_dir=root / "cache", work_dir=root / "work",
                        languages="python3", self_test=False))
    e.start()
    ab = Submission(language="python3", source=sys.argv[2], tests=[{"input": "2 3", "expected": "5"}])
    spin = Submission(language="python3", source="while True: pass", tests=[{"input": ""}], limits={"time_s": 0.5})
    caps = e.capabilities()
    print(json.dumps({"caps": caps.model_dump(), "ab": e.judge(ab).verdict.value, "spin": e.judge(spin).verdict.value}))
    e.close()
    """
)


@pytest.fixture
def world_dir():
    """A scratch directory nobody can use (pytest's own tmp_path sits under a 0700 directory)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="xcoder-nobody-", dir="/tmp"))
    d.chmod(0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_without_root_it_falls_back_to_rlimits_and_says_so(world_dir: Path) -> None:
    """The judge runs as nobody under the system Python (root's pyenv is not readable)."""
    tmp_path = world_dir
    site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": f"{REPO / 'wire'}:{REPO / 'services' / 'judge'}:{site}",
    }
    proc = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            NOBODY_SCRIPT,
            str(tmp_path),
            AB,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    caps = out["caps"]
    assert caps["level"] == "rlimits"
    assert caps["namespaces"] == [] and caps["cgroup"] == "none" and not caps["uid_drop"]
    assert caps["seccomp"]  # unprivileged seccomp still applies
    assert any("not running as root" in w for w in caps["warnings"])
    assert out["ab"] == "AC"
    assert out["spin"] == "TLE"
    assert "not running as root" in proc.stderr  # one clear warning in the log


def test_nobody_can_read_the_repo_for_the_test_above() -> None:
    assert os.stat(REPO).st_mode & 0o005 == 0o005, "the repository must be world-readable for the nobody test"
    assert sys.version_info[:2] == (3, 11), (
        "the nobody test reuses this venv's compiled packages with /usr/bin/python3"
    )
