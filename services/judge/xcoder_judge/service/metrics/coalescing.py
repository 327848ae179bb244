"""Per-process metrics of the API's coalescer: how many one-test requests each job carried.

The coalescer only pays off when its groups hold several requests; a mean group size near 1
means the per-job cost (enqueue, RQ bookkeeping, notification) is paid per request again.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

GROUP_REQUESTS = Histogram(
    "xcoder_judge_coalesced_requests_per_job",
    "One-test compat requests each coalesced group carried into its job (1: alone).",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512, 1024, 4096),
)
GROUP_WAIT_SECONDS = Histogram(
    "xcoder_judge_coalesce_wait_seconds",
    "How long a coalesced group collected requests before its job was enqueued.",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
)
GROUPS_HELD = Counter(
    "xcoder_judge_coalesce_held_total",
    "Groups that waited for an earlier job of the same program before being enqueued.",
)
