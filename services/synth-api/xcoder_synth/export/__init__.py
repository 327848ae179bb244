"""Outputs of a run: SFT JSONL, RL parquet in verl's schema, and the run report."""
