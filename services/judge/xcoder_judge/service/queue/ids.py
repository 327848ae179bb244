"""Submission ids ↔ RQ job ids, scoped to a tenant.

Clients may use `.` and `:` in their ids; RQ job ids allow only `[A-Za-z0-9_-]` (a colon would
also break RQ's `job:execution` composite keys). The mapping escapes those characters and the
escape character itself, so it is reversible and two client ids never share a job.

With API keys, each tenant's ids live in a namespace of their own: the job id is
`<tenant>__<escaped id>`. An escaped id never holds `__` (every `_` it has starts an escape
code) and a tenant name has no `_` (keyring.py), so the split is unambiguous, one tenant's id can
never name another tenant's job, and the same client id in two tenants is two submissions.
Without keys (open mode) there is no prefix, as before tenants existed.
"""

from __future__ import annotations

import re
import uuid

# A tenant name (keyring.py makes them): no `_`, so the `__` separator below is unambiguous, and
# nothing a metrics field or a Redis key would misread.
TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")

_ESCAPE = {"_": "_5F", ".": "_2E", ":": "_3A"}
_UNESCAPE = {code: char for char, code in _ESCAPE.items()}
_ESCAPE_TABLE = str.maketrans(_ESCAPE)  # one C pass per id (every request maps several)
TENANT_SEPARATOR = "__"


def new_submission_id() -> str:
    """A server-chosen id: 32 hex digits, unguessable."""
    return uuid.uuid4().hex


def job_id_for(submission_id: str, tenant: str | None = None) -> str:
    escaped = submission_id.translate(_ESCAPE_TABLE)
    return escaped if tenant is None else f"{tenant}{TENANT_SEPARATOR}{escaped}"


def tenant_of(job_id: str) -> str | None:
    """The tenant whose namespace `job_id` (or a chunk of it) is in; None in open mode."""
    tenant, sep, _ = job_id.partition(TENANT_SEPARATOR)
    return tenant if sep else None


def submission_id_for(job_id: str) -> str:
    """The client's id of `job_id`, without its tenant."""
    _, sep, rest = job_id.partition(TENANT_SEPARATOR)
    job_id = rest if sep else job_id
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
