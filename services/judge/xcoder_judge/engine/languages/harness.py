"""The Python harness: the candidate side of call and assert tests, shipped with the program.

The scripts live in the sandbox package (they run in the box: `pyrunner.py` calls the
candidate's function, `pyvalues.py` encodes its values); every build of a language with a
`harness_tool` carries them beside its source, and the compile cache key includes them.
"""

from __future__ import annotations

from pathlib import Path

SANDBOX_DIR = Path(__file__).resolve().parent.parent / "sandbox"
HARNESS_SCRIPT = "pyrunner.py"
HARNESS_FILES: dict[str, bytes] = {
    name: (SANDBOX_DIR / name).read_bytes() for name in (HARNESS_SCRIPT, "pyvalues.py")
}
