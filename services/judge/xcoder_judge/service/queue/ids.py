"""Submission ids ↔ RQ job ids.

Clients may use `.` and `:` in their ids; RQ job ids allow only `[A-Za-z0-9_-]` (a colon would
also break RQ's `job:execution` composite keys). The mapping escapes those characters and the
escape character itself, so it is reversible and two client ids never share a job.
"""

from __future__ import annotations

import uuid

_ESCAPE = {"_": "_5F", ".": "_2E", ":": "_3A"}
_UNESCAPE = {code: char for char, code in _ESCAPE.items()}


def new_submission_id() -> str:
    """A server-chosen id: 32 hex digits, unguessable, and its own job id."""
    return uuid.uuid4().hex


def job_id_for(submission_id: str) -> str:
    return "".join(_ESCAPE.get(char, char) for char in submission_id)


def submission_id_for(job_id: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(job_id):
        code = job_id[i : i + 3]
        if job_id[i] == "_" and code in _UNESCAPE:
            out.append(_UNESCAPE[code])
            i += 3
        else:
            out.append(job_id[i])
            i += 1
    return "".join(out)
