"""Tasks: feature selection with an integration strategy (stage 1) and styled writing (stage 2)."""
