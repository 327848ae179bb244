"""Per-tenant metrics of an API process, labelled only by configured tenant names.

Label values come from XCODER_JUDGE_API_KEYS, never from a request, so a client cannot grow the
series: a tenant the configuration does not name (none can reach here; a later configuration
may drop one) is `other`, and requests without a tenant (open mode, open compat routes) are `open`.
"""

from __future__ import annotations

from collections.abc import Collection

from prometheus_client import Counter

OTHER = "other"
OPEN = "open"

SUBMISSIONS = Counter(
    "xcoder_judge_tenant_submissions_total",
    "Submissions this API process queued, per tenant (resubmissions of a known id not counted).",
    labelnames=("tenant",),
)
DENIED = Counter(
    "xcoder_judge_auth_denied_total",
    "Requests refused by this API process: 401 (missing or wrong key) or 403 (role).",
    labelnames=("status",),
)


def tenant_label(tenant: str | None, configured: Collection[str]) -> str:
    if tenant is None:
        return OPEN
    return tenant if tenant in configured else OTHER


def count_submissions(tenant: str | None, configured: Collection[str], n: int) -> None:
    if n:
        SUBMISSIONS.labels(tenant_label(tenant, configured)).inc(n)
