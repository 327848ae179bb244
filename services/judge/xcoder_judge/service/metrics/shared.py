"""Names and histogram bounds shared by the workers that record metrics and the API that exposes them.

Every job series carries the labels a Grafana user filters by: language, priority (the flow:
interactive or bulk), verdict and tenant. Their values are bounded: a language outside the wire's
table, a verdict outside the verdict vocabulary or an unknown priority is recorded as `other`,
so no client can mint series. The tenant comes from the job id, which only the API makes, from a
configured key (open mode: `open`); the API's `/metrics` also folds a name its configuration no
longer holds into `other`.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

from xcoder_wire.languages import LANGUAGE_IDS
from xcoder_wire.schemas import Priority, Verdict

from xcoder_judge.service.queue.ids import TENANT_PATTERN

# Latency stages recorded per job by the worker that ran it.
STAGE_QUEUE_WAIT = "queue_wait"  # enqueued (or re-enqueued) → started
STAGE_JUDGE = "judge"  # started → result ready
STAGES: tuple[str, ...] = (STAGE_QUEUE_WAIT, STAGE_JUDGE)

BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
)  # fmt: skip
INF_FIELD = "le:+Inf"


def bucket_field(seconds: float) -> str:
    """The hash field of the smallest bucket holding `seconds` (counts are per bucket, not cumulative)."""
    i = bisect.bisect_left(BUCKETS, seconds)
    return INF_FIELD if i == len(BUCKETS) else f"le:{BUCKETS[i]}"


OTHER = "other"
OPEN_TENANT = "open"  # no keys configured (open mode), or an open compat route
_VERDICTS = frozenset(v.value for v in Verdict)
_PRIORITIES = frozenset(p.value for p in Priority)


class JobLabels(NamedTuple):
    """The labels of every job series, in the order they are stored and exposed."""

    verdict: str
    language: str
    priority: str
    tenant: str

    @classmethod
    def bounded(cls, verdict: str, language: str, priority: str | None, tenant: str | None) -> JobLabels:
        if tenant is None:
            tenant = OPEN_TENANT
        elif not TENANT_PATTERN.match(tenant):
            tenant = OTHER
        return cls(
            verdict if verdict in _VERDICTS else OTHER,
            language if language in LANGUAGE_IDS else OTHER,
            priority if priority in _PRIORITIES else OTHER,
            tenant,
        )

    def folded(self, tenants: frozenset[str]) -> JobLabels:
        """These labels with a tenant the configuration does not name counted as `other`."""
        if self.tenant == OPEN_TENANT or self.tenant in tenants:
            return self
        return self._replace(tenant=OTHER)


LABEL_NAMES: tuple[str, ...] = JobLabels._fields


def jobs_field(labels: JobLabels) -> str:
    return "|".join(labels)


def split_jobs_field(field: str) -> JobLabels | None:
    """The labels of a counter field; None for a field of another layout (an older worker's)."""
    parts = field.split("|")
    return JobLabels(*parts) if len(parts) == len(LABEL_NAMES) else None


def histogram_field(labels: JobLabels, part: str) -> str:
    """A latency hash field: the labels, then `le:<bound>`, `sum` or `count`."""
    return f"{jobs_field(labels)}|{part}"


def split_histogram_field(field: str) -> tuple[JobLabels, str] | None:
    parts = field.split("|")
    if len(parts) != len(LABEL_NAMES) + 1:
        return None
    return JobLabels(*parts[:-1]), parts[-1]
