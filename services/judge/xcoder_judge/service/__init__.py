"""The judge service around the engine: HTTP API, Redis/RQ queueing, workers and the CLI's processes.

Layering: `api` and `compat` never import the engine's execution code; only `worker` does.
"""
