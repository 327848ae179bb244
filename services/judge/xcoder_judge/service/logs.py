"""One log format for every judge process; RQ's per-job chatter only at DEBUG; no API key in
the access log."""

from __future__ import annotations

import logging
import re
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
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in access.filters):
        access.addFilter(RedactKeys())


_QUERY_KEY = re.compile(r"(?i)([?&]api_key=)[^&\s]*")


class RedactKeys(logging.Filter):
    """Blank `?api_key=` values (verl's way to send a key) in uvicorn's access-log lines.

    uvicorn logs the request's path with its query string as one of the record's args; the key
    is replaced there, before any handler formats the line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY_KEY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _QUERY_KEY.sub(r"\1***", record.msg)
        return True
