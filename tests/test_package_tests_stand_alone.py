"""Each package's tests need only that package and what it depends on.

The client's tests must run in a training image that has xcoder-wire and xcoder-client but no
judge, and the wire package's with neither. Collecting them (which imports every test module and
conftest) in a process where the judge, and for wire the client too, cannot be imported, and
finding every fixture they ask for, shows they do; a test that needs a live judge belongs in
tests/clients/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

COLLECT = """
import sys
import pytest

BLOCKED = {blocked!r}


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed here")
        return None


class MissingFixtures:
    \"\"\"Fixtures a collected test asks for that nothing here defines (say `live_judge`).\"\"\"

    missing = []

    def pytest_collection_modifyitems(self, items):
        for item in items:
            info = item._fixtureinfo
            params = set(getattr(getattr(item, "callspec", None), "params", {{}}))
            for name in info.names_closure:
                if name not in info.name2fixturedefs and name not in params and name != "request":
                    self.missing.append(f"{{item.nodeid}}: {{name}}")


sys.meta_path.insert(0, Blocker())
check = MissingFixtures()
rc = pytest.main([{tests!r}, "--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[check])
print("missing fixtures:", check.missing)
sys.exit(rc or (4 if check.missing else 0))
"""


@pytest.mark.parametrize(
    ("tests", "blocked"),
    [
        ("clients/tests", ["xcoder_judge", "xcoder_synth"]),
        ("wire/tests", ["xcoder_judge", "xcoder_client", "xcoder_synth"]),
    ],
)
def test_package_tests_collect_without_the_packages_they_do_not_depend_on(tests, blocked) -> None:
    code = COLLECT.format(blocked=set(blocked), tests=tests)
    # No plugin auto-loading: a venv with only these packages has none of the judge's (live_judge).
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert " tests collected" in out.stdout
