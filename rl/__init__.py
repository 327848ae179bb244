"""RL recipe: X-Coder-RL-40k → verl 0.9 parquet, `train_grpo.sh`, config checks (see docs/recipes.md)."""
