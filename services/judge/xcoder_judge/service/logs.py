"""One log format for every judge process; RQ's per-job chatter only at DEBUG."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_xcoder_judge", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._xcoder_judge = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in ("rq", "rq.worker", "rq.job", "rq.queue", "rq.registry"):
        logging.getLogger(name).setLevel(quiet)
