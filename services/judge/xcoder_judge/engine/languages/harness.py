"""The Python harness: the candidate side of call and assert tests, shipped with the program.

The scripts live in the sandbox package (they run in the box: `pyrunner.py` calls the
candidate's function, `pyvalues.py` encodes its values); every build of a language with a
`harness_tool` carries them beside its source, and the compile cache key includes them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SANDBOX_DIR = Path(__file__).resolve().parent.parent / "sandbox"
HARNESS_SCRIPT = "pyrunner.py"
HARNESS_FILES: dict[str, bytes] = {
    name: (SANDBOX_DIR / name).read_bytes() for name in (HARNESS_SCRIPT, "pyvalues.py")
}
# What the compile cache key carries for the harness: hashed once here, not per job (the
# scripts are ~20 KB; encoding them into every key cost ~0.2 ms of worker CPU per submission).
HARNESS_DIGEST = hashlib.sha256(b"\0".join(HARNESS_FILES[name] for name in sorted(HARNESS_FILES))).hexdigest()
