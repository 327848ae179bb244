"""The box (zygote.py) runs as a bare script and cannot import the worker's layout module, so
the constants both sides must agree on are written twice; this pins them together."""

import re
from pathlib import Path

from xcoder_judge.engine.sandbox import layout

ZYGOTE = Path(layout.__file__).with_name("zygote.py").read_text()


def test_artifacts_mount_matches_the_worker_side():
    m = re.search(r'^ARTIFACTS_MOUNT = "([^"]+)"', ZYGOTE, re.M)
    assert m, "zygote.py defines ARTIFACTS_MOUNT"
    assert m.group(1) == layout.ARTIFACTS_MOUNT
