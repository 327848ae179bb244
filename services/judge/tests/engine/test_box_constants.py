"""The box (box.py and its siblings) runs as a bare script and cannot import the worker's layout
module, so the constants both sides must agree on are written twice; this pins them together."""

import re
from pathlib import Path

from xcoder_judge.engine.sandbox import layout

BOX_FS = Path(layout.__file__).with_name("box_fs.py").read_text()


def test_progs_mount_matches_the_worker_side():
    m = re.search(r'^PROGS_MOUNT = "([^"]+)"', BOX_FS, re.M)
    assert m, "box_fs.py defines PROGS_MOUNT"
    assert m.group(1) == layout.PROGS_MOUNT
