"""Cluster-wide job metrics: workers record them in Redis, every API replica exposes them."""
