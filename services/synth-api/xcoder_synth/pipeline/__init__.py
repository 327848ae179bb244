"""Runs: one config file, resumable stages over sharded JSONL, local or RQ execution."""
